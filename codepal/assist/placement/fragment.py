"""Fragments: code that is only part of the target (one changed line, a body without its header, a few
lines out of a long function). Each goes in only where its anchor is unambiguous."""

from __future__ import annotations

import difflib

from codepal.assist.placement.indent import leading
from codepal.assist.placement.structure import Item
from codepal.assist.region import common_indent, dedent
from codepal.text.lines import split_lines

LINE_SIMILAR = 0.6  # a one-line fragment this like exactly one line of the target replaces it
LINE_MARGIN = 2.0  # ...and clearly more like it than like any other: at most half as different


def one_line(document: str, start: int, end: int, line: str) -> tuple[str | None, str]:
    """Replace the one line of `document[start:end]` (whole lines) that `line` is a new version of."""
    new = line.strip()
    rows = _rows(document, start, end)
    scored = sorted(((difflib.SequenceMatcher(None, text.strip(), new, autojunk=False).ratio(), at, text)
                     for at, text in rows if text.strip()), reverse=True)
    if not scored:
        return None, "the target is empty"
    best, at, text = scored[0]
    if best == 1.0:
        return None, "the answer's one line is already in the code, so it fixes nothing"
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best < LINE_SIMILAR or (1 - runner_up) < LINE_MARGIN * (1 - best) or runner_up > best - 0.05:
        return None, "the answer's one line does not clearly match one line of the code, so its place is unclear"
    return document[:at] + leading(text) + new + document[at + len(text):], ""


def body(document: str, function: Item, fragment: str, newline: str) -> tuple[str | None, str]:
    """Replace a function's body (Python block; the lines between the braces elsewhere) with `fragment`."""
    if function.body is None:
        return None, "the target has no body to replace"
    b_start, b_end = function.body
    text = document[b_start:b_end]
    if text.startswith("{"):
        rows = _rows(document, b_start, b_end)
        if len(rows) < 3:
            return None, "the target's body is on one line; the answer's body has no clear place"
        first, last = rows[1][0], rows[-1][0]
        indent = common_indent("\n".join(t for _, t in rows[1:-1])) or leading(rows[-1][1]) + "\t"
        lines = [indent + line if line.strip() else "" for line in split_lines(dedent(fragment.strip("\n")))]
        return document[:first] + newline.join(lines) + newline + document[last:], ""
    line_start = max(document.rfind("\n", 0, b_start), document.rfind("\r", 0, b_start)) + 1
    header_line = document[line_start:b_start]
    if header_line.strip():  # `def f(): return 1`: the body shares the header's line
        return None, "the target's body is on its header's line; the answer's body has no clear place"
    indent = leading(document[line_start:b_end])
    lines = [indent + line if line.strip() else "" for line in split_lines(dedent(fragment.strip("\n")))]
    return document[:line_start] + newline.join(lines) + document[b_end:], ""


def splice(document: str, start: int, end: int, fragment: str, newline: str) -> tuple[str | None, str]:
    """Replace the lines of `document[start:end]` that a multi-line fragment is a new version of, found
    by its unchanged lines (at least half of them, each line found only once)."""
    rows = _rows(document, start, end)
    old = [text for _, text in rows]
    new = split_lines(dedent(fragment.strip("\r\n")))
    keys_old = [line.strip() for line in old]
    keys_new = [line.strip() for line in new]
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if any(keys_new[b.b:b.b + b.size])]
    matched = sum(b.size for b in blocks)
    if not blocks or matched * 2 < len([k for k in keys_new if k]):
        return None, "the answer's code is only a fragment of the code, and its place is unclear"
    anchors = [k for b in blocks for k in keys_new[b.b:b.b + b.size] if k]
    if any(keys_old.count(k) > 1 for k in anchors):
        return None, "the answer's fragment matches more than one place in the code"
    first, last = blocks[0], blocks[-1]
    lo = max(0, first.a - first.b)
    hi = min(len(old), last.a + last.size + (len(new) - last.b - last.size))
    have, want = common_indent(new[first.b]), common_indent(old[first.a])
    prefix = want[len(have):] if want.startswith(have) else ""
    lines = [prefix + line if line.strip() else "" for line in new]
    a = rows[lo][0]
    b = rows[hi - 1][0] + len(rows[hi - 1][1]) if hi > lo else a
    return document[:a] + newline.join(lines) + document[b:], ""


def _rows(document: str, start: int, end: int) -> list[tuple[int, str]]:
    """(offset, text) of each line of `document[start:end]` (whole lines, without their breaks)."""
    rows, at = [], start
    for line in split_lines(document[start:end], keepends=True):
        text = line.rstrip("\r\n")
        if line:
            rows.append((at, text))
        at += len(line)
    return rows
