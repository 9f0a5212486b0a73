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
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.engine import EngineInfo
from codepal.types import AnswerDelta, AssistEvent, CodeSpan, ExplainResult, FixResult, Problem, ThinkingDelta
from tests.support.metrics import metric_sum

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

DOC = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\ndef name():\n    return 'circle'\n"
SPAN = CodeSpan(DOC, DOC.index("def area"), DOC.index("\n\n\ndef name"), "python")
SMALL = AssistConfig(thinking_budget_explain=32, thinking_budget_fix=32, max_answer_tokens=64)


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
    print(f"[explain] ~{result.thinking_tokens} thinking tokens, {len(result.markdown)} answer chars")


async def test_fix_on_gibberish_is_refused_and_the_text_untouched(client: ModelClient) -> None:
    before = client.requests_sent
    events = await timed(fix(client, SPAN, Problem("area is wrong", line=4), SMALL), "fix")
    result = events[-1]
    assert isinstance(result, FixResult)
    assert sum(isinstance(e, FixResult) for e in events) == 1
    assert not result.ok and result.message.startswith("no safe fix found")
    assert result.edits == () and result.new_text is None and result.attempts == 2
    assert client.requests_sent - before == 2  # the answer and one retry
    assert SPAN.text == DOC
    print(f"[fix] {result.message}")


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
