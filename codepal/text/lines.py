"""LSP line splitting (`\\n`, `\\r\\n`, `\\r` only) and an incrementally updated index of line starts.

`str.splitlines()` also breaks on form feed, `\\x0b`, `\\x1c`-`\\x1e`, `\\x85`, `\\u2028` and `\\u2029`; an
editor does not, so using it would make our line numbers diverge from the client's.
"""

from __future__ import annotations

import re
from bisect import bisect_right

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # where str.splitlines also breaks


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """Lines of `text` split on LSP line breaks only. Like `str.split`, n breaks give n + 1 lines
    (the last one possibly empty), so a line number always has a line."""
    if "\r" not in text:  # the common case, done by str.split in C
        if not keepends:
            return text.split("\n")
        if _OTHER_BREAKS.search(text) is None:  # str.splitlines breaks only at \n here, without a copy per line
            lines = text.splitlines(keepends=True)
            if not lines or lines[-1].endswith("\n"):
                lines.append("")
            return lines
        lines = [line + "\n" for line in text.split("\n")]
        lines[-1] = lines[-1][:-1]
        return lines
    lines = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.end() if keepends else match.start()])
        start = match.end()
    lines.append(text[start:])
    return lines


def line_starts(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets just after each line break in `text[start:end]` (absolute offsets)."""
    return [m.end() for m in LINE_BREAK.finditer(text, start, len(text) if end is None else end)]


class LineIndex:
    """Start offset of every line, kept up to date by `replace` in time proportional to the edit, the
    lines it adds or removes, and the distance from the previous edit (not to the document size).

    Entries at index >= `_shift_from` are stored without a pending `_shift`; consecutive edits near one
    another (typing) only move that boundary a little instead of rewriting every later entry.
    """

    def __init__(self, text: str) -> None:
        self._starts = [0, *line_starts(text)]
        self._shift_from = len(self._starts)
        self._shift = 0

    def __len__(self) -> int:
        return len(self._starts)

    def start(self, line: int) -> int:
        """Start offset of `line` (0 <= line < len(self))."""
        value = self._starts[line]
        return value + self._shift if line >= self._shift_from else value

    def line_of(self, offset: int) -> int:
        """The line containing `offset` (offsets inside a line break belong to the line it ends)."""
        starts, split = self._starts, self._shift_from
        line = bisect_right(starts, offset, 0, split) - 1
        if line == split - 1 and split < len(starts):
            line = bisect_right(starts, offset - self._shift, split, len(starts)) - 1
        return line

    def _settle(self, line: int) -> None:
        """Move the pending-shift boundary to `line`, applying the shift to the entries it passes."""
        begin, shift = self._shift_from, self._shift
        starts = self._starts
        if shift and line > begin:
            starts[begin:line] = [value + shift for value in starts[begin:line]]
        elif shift and line < begin:
            starts[line:begin] = [value - shift for value in starts[line:begin]]
        self._shift_from = line

    def replace(self, new_text: str, start: int, old_end: int, inserted: int) -> None:
        """Update after `old[start:old_end]` became `new_text[start:start + inserted]`.

        Line breaks can only change within one character of the edit (a `\\r` before it may pair with
        an inserted `\\n`, a `\\n` after it may pair with an inserted `\\r`), so only the lines around
        `[start - 1, old_end + 1]` are rescanned.
        """
        delta = inserted - (old_end - start)
        old_len = len(new_text) - delta
        first = self.line_of(max(start - 1, 0))
        last = self.line_of(min(old_end + 1, old_len))
        rescan_from = self.start(first)
        has_next = last + 1 < len(self._starts)
        rescan_to = (self.start(last + 1) if has_next else old_len) + delta
        fresh = line_starts(new_text, rescan_from, rescan_to)
        if has_next and fresh and fresh[-1] == rescan_to:
            fresh.pop()  # that break ends the rescanned region; the next line's entry already says so
        self._settle(last + 1)
        self._starts[first + 1 : last + 1] = fresh
        self._shift_from = first + 1 + len(fresh)
        self._shift += delta
