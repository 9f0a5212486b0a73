from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from text_reference import ref_lines

from codepal.text import LineIndex, split_lines

# Characters str.splitlines() treats as line breaks but LSP does not.
NOT_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", NOT_BREAKS)
def test_split_lines_ignores_non_lsp_breaks(char: str) -> None:
    text = f"a{char}b\nc"
    assert len(text.splitlines()) == 3  # the trap this function exists to avoid
    assert split_lines(text) == [f"a{char}b", "c"]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", [""]),
        ("a", ["a"]),
        ("a\n", ["a", ""]),
        ("a\r\nb", ["a", "b"]),
        ("a\rb", ["a", "b"]),
        ("a\n\rb", ["a", "", "b"]),
        ("a\r\r\nb", ["a", "", "b"]),
        ("\r\n\r\n", ["", "", ""]),
    ],
)
def test_split_lines(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines
    assert "".join(split_lines(text, keepends=True)) == text


ALPHABET = st.sampled_from(["a", "\n", "\r", "\r\n", "\x0c", "\x85", "\u2028", "😋"])


@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_line_index_matches_reference(text: str) -> None:
    index = LineIndex(text)
    expected = [start for start, _ in ref_lines(text)]
    assert [index.start(i) for i in range(len(index))] == expected
    assert len(split_lines(text)) == len(expected)
    for offset in range(len(text) + 1):
        line = index.line_of(offset)
        assert expected[line] <= offset
        assert line + 1 == len(expected) or offset < expected[line + 1]
