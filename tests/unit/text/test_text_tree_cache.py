"""The edit recovered from two texts must give the tree a fresh parse gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codepal.syntax import parse
from codepal.text.common import common_prefix, common_suffix
from codepal.text.tree_cache import TreeCache

BASE = (
    "import os\n\nclass A:\n    def f(self, x):\n        return x + 1\n\n\ndef g(y):\n    return [y, 'é😋']\n"
)
PIECES = ["x", " ", "\n", "    ", "(", ")", "def h():\n    pass\n", "é", "😋", "\r\n", "# c\n", "'"]


@given(
    edits=st.lists(
        st.tuples(st.integers(0, 200), st.integers(0, 6), st.lists(st.sampled_from(PIECES), max_size=3)),
        min_size=1,
        max_size=12,
    )
)
@settings(max_examples=150, deadline=None)
def test_incremental_matches_fresh_parse(edits: list[tuple[int, int, list[str]]]) -> None:
    cache = TreeCache()
    text = BASE
    cache.parse("k", "python", text.encode())
    for at, length, pieces in edits:
        at = min(at, len(text))
        text = text[:at] + "".join(pieces) + text[at + length :]
        source = text.encode("utf-8", "surrogatepass")
        tree = cache.parse("k", "python", source)
        fresh = parse(text, "python")
        assert tree is not None and fresh is not None
        assert tree.root_node.end_byte == fresh.root_node.end_byte
        if not fresh.root_node.has_error:  # error recovery may legitimately differ between the two
            assert str(tree.root_node) == str(fresh.root_node)


def test_common_prefix_and_suffix() -> None:
    assert common_prefix(b"abcdef", b"abcxef") == 3
    assert common_prefix(b"", b"abc") == 0
    assert common_prefix(b"abc", b"abc") == 3
    assert common_suffix(b"abcdef", b"abXdef", 6) == 3
    assert common_suffix(b"aaa", b"aaaa", 3) == 3
    assert common_prefix("déjà vu", "déjà lu") == 5  # text as well as bytes


def test_unknown_language_and_lru() -> None:
    cache = TreeCache(size=2)
    assert cache.parse("k", "plaintext", b"x") is None
    for key in ("a", "b", "c"):
        assert cache.parse(key, "go", b"package main\n") is not None
    assert len(cache._entries) == 2
