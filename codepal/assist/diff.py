"""Smallest line-level edits between two versions of a document, and a unified diff for the CLI."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from codepal.text.lines import split_lines
from codepal.types import TextEdit


def _lines(text: str) -> list[str]:
    lines = split_lines(text, keepends=True)
    return lines[:-1] if lines and lines[-1] == "" else lines


def keep_unchanged_lines(old: str, new: str) -> str:
    """`new` with every line that equals an old one but for trailing whitespace taken verbatim from
    `old`, so models that trim whitespace or change blank-line indentation cause no edits there."""
    a, b = _lines(old), _lines(new)
    keys_a = [line.rstrip() for line in a]
    keys_b = [line.rstrip() for line in b]
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(map(_merge, a[i1:i2], b[j1:j2]))
        else:
            out.extend(b[j1:j2])
    return "".join(out)


def _merge(old_line: str, new_line: str) -> str:
    """The old line's text; its own line break when both have one, else the new line's (or none)."""
    old_text, old_break = _split_break(old_line)
    new_break = _split_break(new_line)[1]
    return old_text + (old_break if old_break and new_break else new_break)


def _split_break(line: str) -> tuple[str, str]:
    text = line.rstrip("\r\n")
    return text, line[len(text):]


def minimal_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    """Non-overlapping edits in document order, each covering only changed lines, in `old`'s offsets."""
    a, b = _lines(old), _lines(new)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            edits.append(TextEdit(starts[i1], starts[i2], "".join(b[j1:j2])))
    return tuple(edits)


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits (any order) to `text`."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.new_text + text[edit.end:]
    return text


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    lines: Iterable[str] = difflib.unified_diff(
        _with_final_break(_lines(old)), _with_final_break(_lines(new)), f"a/{path}", f"b/{path}", n=context
    )
    return "".join(lines)


def _with_final_break(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith(("\n", "\r")):
        return [*lines[:-1], lines[-1] + "\n\\ No newline at end of file\n"]
    return lines
