"""Until the engine is measured, a completion where the engine may be slow (no GPU) goes out
probe-sized: a full-context first request on a CPU holds the engine for tens of seconds, which vLLM
cannot abort mid-step, and the requests behind it miss the deadline too. Its answer measures the
engine, and the next request is sized from that."""

from __future__ import annotations

from typing import Any

from codepal.bench.typist import sample_text
from codepal.client import ModelClient
from codepal.complete.pace import PROBE_MAX_TOKENS, PROBE_PROMPT_TOKENS, EnginePace, Sample
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest
from tests.support.fake_openai import Behaviour, FakeOpenAI


def test_a_probe_is_sized_only_while_nothing_is_measured() -> None:
    pace = EnginePace()
    probe = pace.size(4000, 96, 3.0, probe=True)
    assert (probe.prompt_tokens, probe.max_tokens, probe.probe) == (PROBE_PROMPT_TOKENS, PROBE_MAX_TOKENS, True)
    assert not pace.size(4000, 96, 3.0).reduced  # no probe asked for: the full budget
    assert not pace.size(300, 96, 3.0, probe=True).reduced  # a budget no larger than a probe's
    assert not pace.size(4000, 96, 3.0, measured_elsewhere=100_000.0, probe=True).reduced
    pace.note(Sample(4000, 0.04, 31, 0.1))  # measured (a GPU): the full budget
    assert not pace.size(4000, 96, 3.0, probe=True).reduced


async def _two_completions(fake_openai: FakeOpenAI, probe: bool) -> list[dict[str, Any]]:
    fake_openai.default = Behaviour(chunks=["    return", " 1\n"])
    client = ModelClient(fake_openai.url, None, "fake-model")
    service = CompletionService(CompletionConfig(debounce_ms=0, cache_size=0), EngineConfig())
    service.probe_unmeasured = probe
    text = sample_text()
    try:
        for offset in (len(text) - 1, len(text) - 2):  # two places near the end: the prompt can be long
            await service.complete(CompletionRequest(text, offset, "python", uri="file:///w/sample.py",
                                                     invoked=True), client)
    finally:
        await client.aclose()
    return [request.body for request in fake_openai.generation_requests()]


async def test_the_first_completion_on_an_unmeasured_engine_is_a_probe(fake_openai: FakeOpenAI) -> None:
    first, second = await _two_completions(fake_openai, probe=True)
    assert first["max_tokens"] <= PROBE_MAX_TOKENS
    # About 4 characters a token (the heuristic counter for a model without local files); well under the
    # whole file, which the second request, sized from the fast answer, gets again.
    assert len(str(first["prompt"])) <= PROBE_PROMPT_TOKENS * 6
    assert len(str(second["prompt"])) > 3 * len(str(first["prompt"]))
    assert second["max_tokens"] > PROBE_MAX_TOKENS


async def test_a_small_prompt_is_sent_whole_without_a_probe(fake_openai: FakeOpenAI) -> None:
    """A probe cuts only what would be larger than one: a small file's first completion is as it would be
    on a measured engine (a smaller budget would also shrink the shares of signatures and kernel facts)."""
    fake_openai.default = Behaviour(chunks=["    return", " 1\n"])
    client = ModelClient(fake_openai.url, None, "fake-model")
    service = CompletionService(CompletionConfig(debounce_ms=0, cache_size=0), EngineConfig())
    service.probe_unmeasured = True
    text = "import os\n\n\ndef home() -> str:\n    return os.environ['HOME']\n\n\ndef main():\n"
    request = CompletionRequest(text, len(text), "python", uri="file:///w/small.py", invoked=True)
    try:
        expected = service.prepare(request, "fake-model")  # no probe asked for
        await service.complete(request, client)
    finally:
        await client.aclose()
    sent = fake_openai.generation_requests()[0].body
    assert sent["prompt"] == expected.rendered.prompt and sent["max_tokens"] == expected.max_tokens


async def test_without_probing_the_first_completion_has_the_full_context(fake_openai: FakeOpenAI) -> None:
    first, second = await _two_completions(fake_openai, probe=False)
    assert len(str(first["prompt"])) > PROBE_PROMPT_TOKENS * 6
    assert first["max_tokens"] == second["max_tokens"] > PROBE_MAX_TOKENS
