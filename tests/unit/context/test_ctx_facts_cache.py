"""The per-document index of imports and definitions, carried across edits, must give what a fresh
read of the new tree gives (only the time may differ)."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from codepal.complete.context import _TREES as context_trees
from codepal.complete.context import build_context
from codepal.complete.context_facts import FactsCache, read
from codepal.text.tree_cache import TreeCache
from codepal.types import CompletionRequest
from tests.support.trees import cached_tree_is_fresh, incremental_tree_is_fresh

BASE = (
    "import os\nfrom typing import Any\n\nclass A:\n    def f(self, x):\n        return x + 1\n\n"
    "    def g(self):\n        return helper(2)\n\n\ndef helper(y):\n    import sys\n    return [y, 'é😋']\n\n"
    "@dataclass\nclass B:\n    value: int = 0\n"
)
PIECES = ["x", " ", "\n", "    ", "(", ")", "def h():\n    pass\n", "class C:\n", "import re\n", "é", "\r\n",
          "# c\n", "'", '"""', "async def k(z):\n    ", "@d\n", "from a import (\n  b,\n)\n"]
_documents = itertools.count()
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
@example(edits=[(10, 0, ["x"]), (90, 5, ['"' * 3]), (129, 0, ['"' * 3])], cursor=6000, spread=1)  # trees differ
# Only the parsed part around the cursor has an incremental tree unlike a fresh one (the whole file's is alike).
@example(edits=[(0, 1, []), (121, 0, ['"' * 3]), (20, 0, ['"' * 3]), (23, 0, ['"' * 3])], cursor=6000, spread=50)
@settings(max_examples=100, deadline=None)
def test_context_while_editing_equals_a_cold_context(
    edits: list[tuple[int, int, list[str]]], cursor: int, spread: int
) -> None:
    """A file long enough that the definitions above the cursor are read apart (`_local_start`).

    Compared only while tree-sitter's incremental trees (the whole file's, and the one of the part around
    the cursor that the warm path parses) equal a fresh parse: on text with syntax errors its
    error recovery may legitimately differ (seen with plain tree-sitter and exact edits, e.g. after two
    triple-quote edits), and the context follows the tree it is given; the index itself is checked against a
    fresh read of that same tree above."""
    uri = f"file:///w/edited-{next(_documents)}.py"  # a new document per example: no state across examples
    trees = TreeCache()
    text = BASE * 80
    compared = 0
    for n, (at, length, pieces) in enumerate(edits):
        at = min(at * spread, len(text))
        text = text[:at] + "".join(pieces) + text[at + length :]
        offset = min(cursor + n, len(text))
        warm = build_context(CompletionRequest(text, offset, "python", uri=uri))
        cold = build_context(CompletionRequest(text, offset, "python", uri=""))  # no cache for ""
        if not incremental_tree_is_fresh(trees, text) or not cached_tree_is_fresh(context_trees, uri):
            break  # from here on the warm path reads a different (equally valid) tree
        assert dataclasses.replace(warm, file_path="") == cold
        compared += 1
    event(f"steps compared: {'all' if compared == len(edits) else 'some'}")
