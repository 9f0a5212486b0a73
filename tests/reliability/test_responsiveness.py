"""While completions hang on a backend that never answers, cheap requests stay fast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from tests.reliability.conftest import lsp_options
from tests.reliability.peer import LspPeer, percentile
from tests.support.fake_openai import Behaviour, FakeOpenAI

pytestmark = pytest.mark.reliability


async def test_status_stays_fast_while_20_completions_hang(
        fake_openai: FakeOpenAI, start_lsp: Callable[..., Awaitable[LspPeer]],
        figure: Callable[[str], None]) -> None:
    fake_openai.default = Behaviour(kind="hang")
    lsp = await start_lsp()
    await lsp.initialize_with(lsp_options(fake_openai.url, deadline_ms=60000))
    await lsp.wait_state("ready")
    for number in range(20):  # one document each: latest-wins would otherwise cancel all but one
        lsp.open(f"file:///hang{number}.py", f"# {number}\ndef f(x):\n    ")
    pending = [asyncio.ensure_future(lsp.inline(f"file:///hang{n}.py", 2, 4, timeout=120)) for n in range(20)]
    while fake_openai.open_streams < 8 or sum(t.done() for t in pending) < 12:
        await asyncio.sleep(0.01)  # 8 hang in the client's in-flight bound; 12 fail fast (empty)
    fast = [t.result()[1] for t in pending if t.done()]
    samples = []
    for _ in range(100):
        started = time.monotonic()
        response = await lsp.request("workspace/executeCommand", {"command": "codepal.status", "arguments": []})
        samples.append((time.monotonic() - started) * 1000)
        assert response["result"]["state"] == "ready"
        await asyncio.sleep(0.005)
    hanging = sum(not t.done() for t in pending)
    figure(f"{hanging} completions hanging ({fake_openai.open_streams} streams open), {len(fast)} answered empty "
           f"at once (max {max(fast):.0f} ms); status over 100 samples: p50 {percentile(samples, 50):.1f} ms, "
           f"p95 {percentile(samples, 95):.1f} ms, max {max(samples):.1f} ms")
    assert hanging == 8
    assert percentile(samples, 95) < 50
    # Shutting the server down ends the hanging requests and closes their streams.
    closing = time.monotonic()
    await lsp.close()
    while fake_openai.open_streams and time.monotonic() - closing < 5:
        await asyncio.sleep(0.01)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    figure(f"shutdown: {fake_openai.open_streams} streams left open after {(time.monotonic() - closing) * 1000:.0f} ms")
    assert fake_openai.open_streams == 0
