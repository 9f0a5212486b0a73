"""The prompt built with every cache warm from earlier requests (parse trees, the facts index, the memos of
the context build, the budget's split lines and block sums) equals the one built with all of them fresh,
across typing, deletions, edits elsewhere and cursor moves."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from codepal.complete import budget, context, prompt
from codepal.complete.context_facts import FactsCache
from codepal.complete.context_memo import EqualityMemo
from codepal.complete.service import CompletionService, PreparedPrompt
from codepal.config import CompletionConfig, EngineConfig
from codepal.text.tree_cache import TreeCache
from codepal.types import CompletionRequest
from tests.support.trees import cached_tree_is_fresh, incremental_tree_is_fresh

TEST_MODEL = Path(__file__).parents[3] / ".cache" / "test-model"
# The test model's real tokenizer when it is built (exact counts, the production path), else the estimate.
MODEL = str(TEST_MODEL) if (TEST_MODEL / "tokenizer.json").is_file() else "no/such-model"
BASE = (
    "import os\nfrom typing import Any\n\nclass A:\n    def f(self, x):\n        return x + 1\n\n"
    "    def g(self):\n        return helper(2)\n\n\ndef helper(y):\n    import sys\n    return [y, 'é😋']\n\n"
    "@dataclass\nclass B:\n    value: int = 0\n"
)
TYPED = ["x", "(", ")", " ", "\n", "    ", "helper", ".", "f(", ":", "é", "'", '"""', "A().", "\r\n"]
PIECES = ["def h():\n    pass\n", "class C:\n", "import re\n", "# c\n", "async def k(z):\n    ", "@d\n"]
_documents = itertools.count()

steps = st.lists(
    st.one_of(
        st.tuples(st.just("type"), st.sampled_from(TYPED)),
        st.tuples(st.just("delete"), st.integers(1, 4)),
        st.tuples(st.just("move"), st.integers(0, 10**6)),
        st.tuples(st.just("edit"), st.tuples(st.integers(0, 10**6), st.sampled_from(PIECES))),
    ),
    min_size=1,
    max_size=25,
)


@contextmanager
def fresh_caches() -> Iterator[None]:
    """Every cache of the prompt build replaced by an empty one while the block runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "_TREES", TreeCache())
        patch.setattr(context, "_FACTS", FactsCache())
        for name in ("_cut", "_top_level_before", "_names_last_first", "facts_of"):
            memo = getattr(context, name)
            assert isinstance(memo, EqualityMemo)
            patch.setattr(context, name, EqualityMemo(memo.__wrapped__, 8))  # type: ignore[attr-defined]
        patch.setattr(budget, "_LINES", budget._LineMemo())
        patch.setattr(budget, "_FRAMES", OrderedDict())
        patch.setattr(budget, "_SIGNATURES", {})
        patch.setattr(prompt._ShownIn, "_last", ("", {}))
        yield


def prepared(service: CompletionService, request: CompletionRequest) -> tuple[str, object]:
    found: PreparedPrompt = service.prepare(request, MODEL)
    return found.rendered.prompt, (found.context, found.max_tokens, found.healed, found.single_line)


@pytest.mark.parametrize("template", ["prefix", "qwen-fim"])
@pytest.mark.parametrize("window", [1024, 4096])
@given(steps=steps, cursor=st.integers(0, 10**6), copies=st.sampled_from([3, 80]))
@settings(max_examples=40, deadline=None)
def test_prompt_with_warm_caches_equals_the_cold_one(
    template: str, window: int, steps: list[tuple[str, object]], cursor: int, copies: int
) -> None:
    """80 copies make a file long enough that the definitions above the cursor are read apart.

    Compared only while tree-sitter's incremental tree of the file equals a fresh parse, as in
    test_ctx_facts_cache: on text with syntax errors its error recovery may legitimately differ."""
    config = CompletionConfig(template=template, max_tokens_line=16, max_tokens_block=48)
    service = CompletionService(config, EngineConfig(model=MODEL, max_model_len=window))
    cold_service = CompletionService(config, EngineConfig(model=MODEL, max_model_len=window))
    uri = f"file:///w/warm-{next(_documents)}.py"
    trees = TreeCache()
    text = BASE * copies
    offset = cursor % (len(text) + 1)
    compared = 0
    for kind, value in [("move", offset), *steps]:
        if kind == "type":
            assert isinstance(value, str)
            text, offset = text[:offset] + value + text[offset:], offset + len(value)
        elif kind == "delete":
            assert isinstance(value, int)
            start = max(0, offset - value)
            text, offset = text[:start] + text[offset:], start
        elif kind == "move":
            assert isinstance(value, int)
            offset = value % (len(text) + 1)
        else:
            assert isinstance(value, tuple)
            at, piece = value[0] % (len(text) + 1), value[1]
            text = text[:at] + piece + text[at:]
            offset += len(piece) if at <= offset else 0
        request = CompletionRequest(text, offset, "python", uri=uri)
        warm = prepared(service, request)
        with fresh_caches():
            cold = prepared(cold_service, request)
        if not incremental_tree_is_fresh(trees, text) or not cached_tree_is_fresh(context._TREES, uri):
            break  # from here on the warm path reads a different (equally valid) tree
        assert warm == cold
        compared += 1
    event(f"steps compared: {'all' if compared == len(steps) + 1 else 'some'}")
