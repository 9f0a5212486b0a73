"""An open document: text, version, and LSP position <-> offset conversion in any position encoding.

Offsets count code points (Python string indices), which is what the rest of the core uses.
"""

from __future__ import annotations

from codepal.text.encoding import PositionEncoding, check_encoding, index_to_units, units_to_index
from codepal.text.lines import LineIndex, split_lines

Position = tuple[int, int]  # (line, character), 0-based, character in code units of the encoding

__all__ = ["Position", "TextDocument", "split_lines"]


class TextDocument:
    """A mutable document. `text` is replaced (never mutated) on each change, so a reader that took
    `doc.text` keeps a consistent snapshot."""

    def __init__(self, uri: str, language: str, version: int, text: str) -> None:
        self.uri = uri
        self.language = language
        self.version = version
        self._text = text
        self._lines = LineIndex(text)

    @property
    def text(self) -> str:
        return self._text

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def _line_bounds(self, line: int) -> tuple[int, int]:
        """Start and end (before its line break) of `line`, which must exist."""
        start = self._lines.start(line)
        if line + 1 == len(self._lines):
            return start, len(self._text)
        end = self._lines.start(line + 1) - 1
        if end > start and self._text[end] == "\n" and self._text[end - 1] == "\r":
            end -= 1
        return start, end

    def line(self, line: int) -> str:
        """The text of `line` without its line break."""
        start, end = self._line_bounds(line)
        return self._text[start:end]

    def offset_at(self, line: int, character: int, encoding: PositionEncoding = "utf-16") -> int:
        """The offset of an LSP position. A line past the end clamps to the document end, a character
        past the line end to the line end, negative values to 0."""
        check_encoding(encoding)
        if line >= len(self._lines):
            return len(self._text)
        start, end = self._line_bounds(max(line, 0))
        if character <= 0:
            return start
        return start + units_to_index(self._text[start:end], character, encoding)

    def position_at(self, offset: int, encoding: PositionEncoding = "utf-16") -> Position:
        """The LSP position of an offset (clamped to the document); an offset inside a `\\r\\n` maps to
        the end of its line."""
        check_encoding(encoding)
        offset = min(max(offset, 0), len(self._text))
        line = self._lines.line_of(offset)
        start, end = self._line_bounds(line)
        index = min(offset, end) - start
        return line, index_to_units(self._text[start:end], index, encoding)

    def apply_change(
        self,
        start: Position | None,
        end: Position | None,
        new_text: str,
        version: int | None = None,
        encoding: PositionEncoding = "utf-16",
    ) -> None:
        """Apply one LSP content change: replace the range, or the whole text when `start` is None.
        An inverted range is swapped."""
        if version is not None:
            self.version = version
        if start is None or end is None:
            self._text = new_text
            self._lines = LineIndex(new_text)
            return
        a = self.offset_at(start[0], start[1], encoding)
        b = self.offset_at(end[0], end[1], encoding)
        if b < a:
            a, b = b, a
        old = self._text
        self._text = f"{old[:a]}{new_text}{old[b:]}"
        self._lines.replace(self._text, a, b, len(new_text))
