"""The per-document index of imports and definitions, carried across edits, must give what a fresh
read of the new tree gives (only the time may differ)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from codepal.complete.context import build_context
from codepal.complete.context_facts import FactsCache, read
from codepal.text.tree_cache import TreeCache
from codepal.types import CompletionRequest

BASE = (
    "import os\nfrom typing import Any\n\nclass A:\n    def f(self, x):\n        return x + 1\n\n"
    "    def g(self):\n        return helper(2)\n\n\ndef helper(y):\n    import sys\n    return [y, 'é😋']\n\n"
    "@dataclass\nclass B:\n    value: int = 0\n"
)
PIECES = ["x", " ", "\n", "    ", "(", ")", "def h():\n    pass\n", "class C:\n", "import re\n", "é", "\r\n",
          "# c\n", "'", '"""', "async def k(z):\n    ", "@d\n", "from a import (\n  b,\n)\n"]
edits = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 8), st.lists(st.sampled_from(PIECES), max_size=3)),
    min_size=1,
    max_size=15,
)


@given(edits=edits)
@settings(max_examples=200, deadline=None)
def test_carried_index_equals_a_fresh_read(edits: list[tuple[int, int, list[str]]]) -> None:
    trees, facts = TreeCache(), FactsCache()
    text = BASE
    for at, length, pieces in [(0, 0, []), *edits]:
        at = min(at, len(text))
        text = text[:at] + "".join(pieces) + text[at + length :]
        source = text.encode("utf-8", "surrogatepass")
        parsed = trees.parse_with_changes("k", "python", source)
        assert parsed is not None
        carried = facts.facts("k", "python", parsed[0].root_node, source, parsed[1])
        assert carried == read(parsed[0].root_node, source, "python")


@given(edits=edits, cursor=st.integers(6_000, 20_000), spread=st.sampled_from([1, 50]))
@settings(max_examples=100, deadline=None)
def test_context_while_editing_equals_a_cold_context(
    edits: list[tuple[int, int, list[str]]], cursor: int, spread: int
) -> None:
    """A file long enough that the definitions above the cursor are read apart (`_local_start`)."""
    text = BASE * 80
    for n, (at, length, pieces) in enumerate(edits):
        at = min(at * spread, len(text))
        text = text[:at] + "".join(pieces) + text[at + length :]
        offset = min(cursor + n, len(text))
        warm = build_context(CompletionRequest(text, offset, "python", uri="file:///w/edited.py"))
        cold = build_context(CompletionRequest(text, offset, "python", uri=""))  # no cache for ""
        assert dataclasses.replace(warm, file_path="") == cold
