"""The prompt budget as production reckons it: through `CompletionService.prepare`, for the template
it chooses (the property test in test_prompt_budget covers `fit` alone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codepal.complete.budget import HeuristicCounter, TokenCounter, TokenizerFileCounter
from codepal.complete.prompt import load_templates
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.errors import ContextTooLarge
from codepal.types import CompletionRequest

TEST_MODEL = Path(__file__).parents[3] / ".cache" / "test-model"
COUNTERS: dict[str, TokenCounter] = {"heuristic": HeuristicCounter()}
MODELS = {"heuristic": "no/such-model"}  # the configured model whose tokenizer the service loads
if (TEST_MODEL / "tokenizer.json").is_file():  # the R1 tokenizer of the test model, when `make test-model` has run
    COUNTERS["r1"] = TokenizerFileCounter(TEST_MODEL / "tokenizer.json")
    MODELS["r1"] = str(TEST_MODEL)

code_lines = st.lists(
    st.text(st.sampled_from("ab (){}:=é錯\t_x"), max_size=40).map(lambda s: s + "\n"), max_size=120
)
HEADER = "import os\nfrom typing import Any\n\ndef helper(x: int) -> int:\n    return x\n\nclass A:\n    def m(self):\n"


SERVED = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"


@pytest.fixture(autouse=True, scope="module")
def _no_hf_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The served model is looked up in the HF cache first: an empty one, so the configured model decides."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_CACHE", str(tmp_path_factory.mktemp("empty-hf-cache")))
        yield


def service(template: str, window: int, counter: str = "heuristic") -> CompletionService:
    config = CompletionConfig(template=template, max_tokens_line=16, max_tokens_block=48)
    svc = CompletionService(config, EngineConfig(model=MODELS[counter], max_model_len=window))
    assert type(svc.counter(SERVED)) is type(COUNTERS[counter])  # the service counts as the test does
    return svc


@pytest.mark.parametrize("counter", list(COUNTERS))
@given(
    before=code_lines,
    after=code_lines,
    cursor_line=st.sampled_from(["        y = helper(", "        ", "        z = A().m"]),
    template=st.sampled_from(["auto", *sorted(load_templates())]),
    window=st.integers(256, 1024),
)
@settings(max_examples=60, deadline=None)
def test_prepared_prompt_fits_the_window_for_the_chosen_template(
    counter: str, before: list[str], after: list[str], cursor_line: str, template: str, window: int
) -> None:
    svc = service(template, window, counter)
    prefix = HEADER + "".join("        " + line for line in before) + cursor_line
    text = prefix + ")\n" + "".join(after)
    request = CompletionRequest(text, len(prefix), "python", uri="file:///w/pkg/main.py")
    try:
        prepared = svc.prepare(request, SERVED)
    except ContextTooLarge:
        return
    assert prepared.context.prefix.endswith(cursor_line)
    used = COUNTERS[counter].count(prepared.rendered.prompt)
    assert used + prepared.max_tokens <= window


def test_prefix_template_spends_the_whole_window_on_the_prefix() -> None:
    """The default template does not show the suffix: no quarter of the window is held back for it."""
    lines = "".join(f"    value_{i} = compute({i})\n" for i in range(400))
    text = "def f():\n" + lines + "    result = " + "\n" + lines
    offset = text.index("    result = ") + len("    result = ")
    request = CompletionRequest(text, offset, "python")
    counter = COUNTERS["heuristic"]
    prefix_only = service("prefix", 1024).prepare(request, "m")
    fim = service("qwen-fim", 1024).prepare(request, "m")
    assert not prefix_only.rendered.uses_suffix and fim.rendered.uses_suffix
    budget = 1024 - prefix_only.max_tokens - 8
    assert counter.count(prefix_only.rendered.prompt) > 0.9 * budget
    assert prefix_only.context.prefix.count("\n") > 1.2 * fim.context.prefix.count("\n")
    assert prefix_only.context.suffix == text[offset:]  # post-processing still reads the whole suffix
