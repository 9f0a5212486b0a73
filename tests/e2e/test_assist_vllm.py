"""Explain and fix end to end on the real vLLM test bed (tiny random model: gibberish, so structure,
timing and cancellation are checked, never wording)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codepal.assist import explain, fix
from codepal.assist.structured import parse_fix
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.engine import EngineInfo
from codepal.types import AnswerDelta, AssistEvent, CodeSpan, ExplainResult, FixResult, Problem, ThinkingDelta
from tests.support.metrics import metric_sum

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

DOC = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\ndef name():\n    return 'circle'\n"
SPAN = CodeSpan(DOC, DOC.index("def area"), DOC.index("\n\n\ndef name"), "python")
SMALL = AssistConfig(thinking_budget_explain=32, thinking_budget_fix=32, max_answer_tokens=64)
# Room for the fix's JSON even when the random model fills every string to its maxLength (structured.py).
STRUCTURED_ANSWER_TOKENS = 1200


@pytest.fixture
async def client(vllm: EngineInfo) -> AsyncIterator[ModelClient]:
    model_client = ModelClient(vllm.url, vllm.api_key, vllm.model, read_timeout=60.0)
    yield model_client
    await model_client.aclose()


metric = metric_sum


async def timed(events: AsyncIterator[AssistEvent], label: str) -> list[AssistEvent]:
    started = time.monotonic()
    first: float | None = None
    collected: list[AssistEvent] = []
    async for event in events:
        if first is None:
            first = time.monotonic() - started
        collected.append(event)
    total = time.monotonic() - started
    print(f"\n[{label}] first event after {1000 * (first or 0):.0f} ms, total {1000 * total:.0f} ms, "
          f"{sum(isinstance(e, ThinkingDelta) for e in collected)} thinking / "
          f"{sum(isinstance(e, AnswerDelta) for e in collected)} answer deltas")
    return collected


async def test_explain_streams_and_ends_in_one_result(client: ModelClient) -> None:
    before = client.requests_sent
    events = await timed(explain(client, SPAN, SMALL), "explain")
    assert isinstance(events[-1], ExplainResult)
    assert sum(isinstance(e, ExplainResult) for e in events) == 1
    assert any(isinstance(e, ThinkingDelta) for e in events)
    assert any(isinstance(e, AnswerDelta) for e in events)
    result = events[-1]
    assert result.markdown and result.thinking_tokens > 0
    # vLLM enforced the thinking budget itself: no cut-off, no second request.
    assert client.requests_sent - before == 1
    print(f"[explain] {result.thinking_tokens} thinking tokens (exact: {result.tokens_exact}), "
          f"{len(result.markdown)} answer chars")


async def test_fix_takes_the_structured_path_and_is_verified_or_refused(client: ModelClient) -> None:
    """vLLM constrains the answer to the fix's JSON schema after the thinking, so even the random model's
    answer parses as the schema; its code is gibberish, so verification refuses it unless it happens to
    be valid Python that changes only the target."""
    config = AssistConfig(thinking_budget_fix=32, max_answer_tokens=STRUCTURED_ANSWER_TOKENS)
    answers: list[str] = [""]
    before = client.requests_sent
    events = await timed(fix(client, SPAN, Problem("area is wrong", line=4), config), "fix")
    for event in events:
        if isinstance(event, ThinkingDelta) and event.text.startswith("\n\n[codepal: the answer was rejected"):
            answers.append("")
        elif isinstance(event, AnswerDelta):
            answers[-1] += event.text
    result = events[-1]
    assert isinstance(result, FixResult)
    assert sum(isinstance(e, FixResult) for e in events) == 1
    print(f"[fix] {result.answer_format} answer, {result.attempts} attempt(s): {result.message}; "
          f"answers: {[a[:80] for a in answers]}")
    assert result.answer_format == "json"
    assert all(parse_fix(answer) is not None for answer in answers), answers  # every answer: the schema
    assert client.requests_sent - before == len(answers) == result.attempts
    if result.ok:
        assert result.new_text is not None and result.edits
        compile(result.new_text, "fixed.py", "exec")
    else:
        assert result.message.startswith("no safe fix found: ") and len(result.message) > len("no safe fix found: ")
        assert result.edits == () and result.new_text is None and result.attempts == 2
    assert SPAN.text == DOC


async def test_thinking_counts_are_the_tokens_vllm_generated(client: ModelClient) -> None:
    """Thinking + answer tokens of a result equal vLLM's own count of generated tokens (its metric and
    the usage), and the progress deltas add up to the same thinking count. The random model never ends
    its thinking, so vLLM ends it at the budget: the prompt's `<think>\n` counts one token of it, the
    generated `</think>` one more, so exactly `budget` thinking tokens are generated."""
    for kind, config in (("explain", AssistConfig(thinking_budget_explain=24, max_answer_tokens=40)),
                         ("fix", AssistConfig(thinking_budget_fix=24, max_answer_tokens=STRUCTURED_ANSWER_TOKENS))):
        while metric(await client.metrics(timeout=15), "vllm:num_requests_running"):
            await asyncio.sleep(0.05)
        generated = metric(await client.metrics(timeout=15), "vllm:generation_tokens_total")
        stream = explain(client, SPAN, config) if kind == "explain" else fix(client, SPAN, None, config)
        events = [event async for event in stream]
        generated = metric(await client.metrics(timeout=15), "vllm:generation_tokens_total") - generated
        result = events[-1]
        assert isinstance(result, ExplainResult | FixResult)
        streamed = sum(e.tokens or 0 for e in events if isinstance(e, ThinkingDelta))
        answered = sum(e.tokens or 0 for e in events if isinstance(e, AnswerDelta))
        print(f"\n[{kind}] thinking {result.thinking_tokens} (streamed {streamed}), answer {result.answer_tokens} "
              f"(streamed {answered}), vLLM generated {generated:.0f}")
        assert result.tokens_exact
        assert result.thinking_tokens + result.answer_tokens == generated
        # Progress adds up to the same total (a piece vLLM merged across `</think>` is split only at the end).
        assert streamed + answered == result.thinking_tokens + result.answer_tokens
        requests = result.attempts if isinstance(result, FixResult) else 1
        assert result.thinking_tokens == 24 * requests


async def test_cancelling_explain_stops_generation_on_the_server(client: ModelClient) -> None:
    config = AssistConfig(thinking_budget_explain=1024, max_answer_tokens=1024)
    while metric(await client.metrics(timeout=15), "vllm:num_requests_running"):  # an earlier test's request
        await asyncio.sleep(0.05)
    streaming = asyncio.Event()
    deltas = 0

    async def consume() -> None:
        nonlocal deltas
        async for event in explain(client, SPAN, config):
            if isinstance(event, ThinkingDelta | AnswerDelta):
                deltas += 1
                if deltas >= 5:
                    streaming.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(streaming.wait(), 60)
    # The test model never ends by itself: 1024 thinking tokens keep it busy for seconds.
    assert metric(await client.metrics(timeout=15), "vllm:num_requests_running") >= 1, "not running"
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped_after: float | None = None
    while time.monotonic() - cancelled_at < 1.0:
        if metric(await client.metrics(timeout=15), "vllm:num_requests_running") == 0:
            stopped_after = time.monotonic() - cancelled_at
            break
        await asyncio.sleep(0.05)
    assert stopped_after is not None, "vLLM still runs the request 1 s after the cancel"
    tokens = metric(await client.metrics(timeout=15), "vllm:generation_tokens_total")
    await asyncio.sleep(0.5)
    assert metric(await client.metrics(timeout=15), "vllm:generation_tokens_total") == tokens
    print(f"\n[cancel] after {deltas} deltas; server idle {1000 * stopped_after:.0f} ms after the cancel")


def test_cli_explain_against_the_engine(vllm: EngineInfo, tmp_path: Path) -> None:
    source = tmp_path / "shapes.py"
    source.write_text(DOC)
    env = {
        **os.environ,
        "CODEPAL_ENGINE__URL": vllm.url,
        "CODEPAL_ENGINE__API_KEY": vllm.api_key or "",
        "CODEPAL_ASSIST__THINKING_BUDGET_EXPLAIN": "16",
        "CODEPAL_ASSIST__MAX_ANSWER_TOKENS": "32",
    }
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "codepal", "explain", str(source), "--lines", "4-5"],
                          env=env, capture_output=True, text=True, timeout=120)
    print(f"\n[cli explain] exit {done.returncode} in {1000 * (time.monotonic() - started):.0f} ms")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
