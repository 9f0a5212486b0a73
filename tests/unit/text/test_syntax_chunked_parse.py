"""A text longer than one chunk is parsed from chunks (so a parse in a worker thread shares the GIL) into
the same tree as from one bytes object, even where a chunk ends inside a multi-byte character."""

from __future__ import annotations

import pytest

from codepal.syntax import get_parser, parse
from codepal.syntax.parser import CHUNK_BYTES


@pytest.mark.parametrize(("language", "comment", "line"), [
    ("python", "#", "def f{i}(x):\n    return 'é✓𝄞 {i}' + x\n\n"),
    ("javascript", "//", "function f{i}(x) {{ return `é✓𝄞 ${{x}} {i}`; }}\n"),
    ("rust", "//", "fn f{i}() -> &'static str {{ \"é✓𝄞 {i}\" }}\n"),
])
def test_a_chunked_parse_gives_the_same_tree(language: str, comment: str, line: str) -> None:
    split_inside_a_character = False
    for padding in range(4):  # shifts the chunk boundaries against the characters
        text = comment + "a" * padding + "\n" + "".join(line.format(i=i) for i in range(3000))
        source = text.encode("utf-8")
        assert len(source) > 4 * CHUNK_BYTES
        split_inside_a_character |= any(source[k] & 0xC0 == 0x80 for k in range(CHUNK_BYTES, len(source), CHUNK_BYTES))
        whole = get_parser(language).parse(source)  # type: ignore[union-attr]
        chunked = parse(text, language)
        assert chunked is not None and not chunked.root_node.has_error
        assert str(chunked.root_node) == str(whole.root_node)
        assert chunked.root_node.end_byte == len(source)
    assert split_inside_a_character  # the case this test is about did occur


def test_a_lone_surrogate_survives_the_chunks() -> None:
    text = "x = '\ud800'\n" + "y = 1\n" * (CHUNK_BYTES // 3)
    tree = parse(text, "python")
    assert tree is not None and tree.root_node.end_byte == len(text.encode("utf-8", "surrogatepass"))
