"""String helpers shared by the filters.

Lines are split on `\\n` only (after `normalize_newlines`), never with `str.splitlines()`, which also
splits on form feed, `\\x85` and `\\u2028` and would disagree with the editor's idea of a line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

OPENERS = "([{"
CLOSERS = ")]}"
PAIRS = {")": "(", "]": "[", "}": "{"}
# What may follow the cursor on its line without making the cursor "mid-line".
CLOSING_CHARS = frozenset(")]}\"'`;, \t")


C = TypeVar("C")


def normalize_newlines(text: str) -> str:
    """`\\r\\n` and lone `\\r` become `\\n` (the three LSP line breaks)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def leading_ws(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_width(ws: str, tab_size: int) -> int:
    """Column reached by `ws` (spaces and tabs) from column 0."""
    if "\t" not in ws:
        return len(ws)
    col = 0
    for ch in ws:
        col = col + tab_size - col % tab_size if ch == "\t" else col + 1
    return col


def make_indent(width: int, tab_size: int, insert_spaces: bool) -> str:
    """Indentation of `width` columns in the editor's style."""
    if insert_spaces or width < tab_size:
        return " " * width
    return "\t" * (width // tab_size) + " " * (width % tab_size)


def squash(text: str) -> str:
    """`text` without any whitespace, for comparisons that ignore spacing."""
    return "".join(text.split())


def is_blank(text: str) -> bool:
    return not text.strip()


def until_stable(step: Callable[[C, str], str], ctx: C, text: str) -> str:
    """Apply a shrinking `step` until it changes nothing, which makes the filter idempotent.

    Each changing step must shorten the text, so this ends after at most len(text) rounds."""
    while True:
        new = step(ctx, text)
        if new == text or len(new) >= len(text):
            return new
        text = new
