"""The benchmark's scripted editor: LSP positions of the documents it edits."""

from __future__ import annotations

from codepal.bench.editor import position_of


def test_positions_count_utf16_units_and_lsp_line_breaks() -> None:
    text = "a😋b\r\nx\rä\u2028y\n"
    assert position_of(text, 0) == {"line": 0, "character": 0}
    assert position_of(text, 2) == {"line": 0, "character": 3}  # the emoji is two UTF-16 units
    assert position_of(text, text.index("x")) == {"line": 1, "character": 0}
    assert position_of(text, text.index("y")) == {"line": 2, "character": 2}  # U+2028 is not a break
    assert position_of(text, len(text)) == {"line": 3, "character": 0}
