"""Model-server faults, injected with the fake server (or a server that is down), seen through the real
`codepal lsp` and the core. `kill -9` of vLLM with requests in flight runs on the real engine in
tests/e2e/test_engine_lifecycle.py (it prints its figures there)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from codepal.assistant import Assistant
from codepal.config import CodepalConfig
from codepal.types import CompletionRequest
from tests.reliability.conftest import DownServer, lsp_options
from tests.reliability.peer import LspPeer, percentile
from tests.support.fake_openai import Behaviour, FakeOpenAI, wait_closed_by_client
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability

StartLsp = Callable[..., Awaitable[LspPeer]]
Figure = Callable[[str], None]
DOC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    "


async def test_backend_down_at_start(down_server: DownServer, start_lsp: StartLsp, socket_guard: SocketGuard,
                                     figure: Figure) -> None:
    since = socket_guard.mark()
    lsp = await start_lsp()
    imports_s = await lsp.wait_listening()
    asked = time.monotonic()
    response = await lsp.initialize_with(lsp_options(down_server.url))
    answered = time.monotonic()
    assert "capabilities" in response["result"]
    init_ms, total_ms = (answered - asked) * 1000, (answered - lsp.spawned_at) * 1000
    figure(f"initialize answered {init_ms:.0f} ms after the request, {total_ms:.0f} ms after process start "
           f"(first answer to anything {imports_s * 1000:.0f} ms after start)")
    assert init_ms < 1000

    status = await lsp.wait_state("degraded")  # the first probe found the server down
    lsp.open("file:///down.py", DOC)
    burst_start = time.time()
    timings = []
    for column in range(20):
        items, ms = await lsp.inline("file:///down.py", 5, column % 5)
        assert items == []
        timings.append(ms)
    burst_end = time.time()
    during = [e for e in socket_guard.events(since)
              if e["pid"] == lsp.pid and e["kind"] == "connect" and burst_start <= e["at"] <= burst_end]
    figure(f"down backend: 20 completions empty, p50 {percentile(timings, 50):.1f} ms, "
           f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms; "
           f"{len(during)} connection attempts during them")
    assert percentile(timings, 95) < 50
    assert during == []

    await asyncio.sleep(max(0.0, 10.0 - (time.monotonic() - answered)))
    probes = [at for at, _, path in down_server.requests if path == "/health"]
    gaps = [b - a for a, b in itertools.pairwise(probes)]
    connects = [e for e in socket_guard.events(since) if e["pid"] == lsp.pid and e["kind"] == "connect"]
    figure(f"health probes in {time.monotonic() - answered:.1f} s: {len(probes)}, gaps "
           f"{', '.join(f'{g:.1f}' for g in gaps)} s; generation requests {len(down_server.paths()) - len(probes)}; "
           f"server process connects {len(connects)} (state {status['state']})")
    assert all(path == "/health" for path in down_server.paths())  # no completion ever reached it
    assert 2 <= len(probes) <= 6
    assert all(later >= earlier * 0.9 for earlier, later in itertools.pairwise(gaps))
    assert len(connects) == down_server.connections == len(probes)


async def test_slow_backend_gives_up_at_the_deadline(fake_openai: FakeOpenAI, start_lsp: StartLsp,
                                                    figure: Figure) -> None:
    fake_openai.default = Behaviour(first_delay_s=10.0, chunks=["late"])
    lsp = await start_lsp()
    await lsp.initialize_with(lsp_options(fake_openai.url))  # the default deadline: 3000 ms
    await lsp.wait_state("ready")
    lsp.open("file:///slow.py", DOC)
    items, ms = await lsp.inline("file:///slow.py", 5, 4)
    closed_ms = await wait_closed_by_client(fake_openai.generation_requests()[:1])
    figure(f"first token due after 10 s: answered empty after {ms:.0f} ms (deadline 3000 ms), stream closed "
           f"{closed_ms:.0f} ms after the answer, {fake_openai.open_streams} streams left open")
    assert items == []
    assert 2900 <= ms < 4000
    assert fake_openai.generation_requests()[0].closed_by_client
    assert len(fake_openai.generation_requests()) == 1
    status = await lsp.status()
    assert status["state"] == "ready"


async def test_500_is_one_request_per_completion(fake_openai: FakeOpenAI, start_lsp: StartLsp,
                                                 figure: Figure) -> None:
    fake_openai.default = Behaviour(kind="status", status=500)
    lsp = await start_lsp()
    await lsp.initialize_with(lsp_options(fake_openai.url))
    await lsp.wait_state("ready")
    lsp.open("file:///err.py", DOC)
    timings = []
    for column in range(10):
        items, ms = await lsp.inline("file:///err.py", 5, column % 5)
        assert items == []
        timings.append(ms)
    await asyncio.sleep(0.3)
    sent = len(fake_openai.generation_requests())
    status = await lsp.status()
    figure(f"backend answering 500: 10 completions -> {sent} HTTP requests "
           f"(max {max(timings):.0f} ms each), state {status['state']}, pop-ups {len(lsp.show_messages())}")
    assert sent == 10
    assert lsp.show_messages() == []


@pytest.mark.parametrize("kind", ["hang", "429", "503"])
async def test_overload_is_bounded_and_fails_fast(tmp_path: Path, fake_openai: FakeOpenAI, kind: str,
                                                  figure: Figure) -> None:
    fake_openai.default = Behaviour(kind="hang") if kind == "hang" else Behaviour(kind="status",
                                                                                  status=int(kind))
    config = CodepalConfig().merged({"engine": {"url": fake_openai.url},
                                     "completion": {"debounce_ms": 0, "deadline_ms": 30000}}, "test")
    assistant = Assistant(config, state_path=tmp_path / "engine.json")
    await assistant.start()
    while not assistant.link.ready:
        await asyncio.sleep(0.01)
    client = assistant.link.client
    assert client is not None
    peak = {"client": 0, "server": 0}

    async def sample() -> None:
        while True:
            peak["client"] = max(peak["client"], client.in_flight)
            peak["server"] = max(peak["server"], fake_openai.open_streams)
            await asyncio.sleep(0.001)

    async def one(index: int) -> tuple[float, bool]:
        started = time.monotonic()
        uri = f"file:///doc{index}.py"
        result = await assistant.complete(CompletionRequest(DOC, len(DOC), "python", uri), key=uri)
        return (time.monotonic() - started) * 1000, result is None

    fake_openai.push(Behaviour(kind="status", status=500))
    await one(-1)  # warm: the first completion of a process loads the parser
    fake_openai.requests.clear()
    sampler = asyncio.ensure_future(sample())
    tasks = [asyncio.ensure_future(one(i)) for i in range(64)]
    done, pending = await asyncio.wait(tasks, timeout=1.5)
    await asyncio.sleep(0.2)
    finished = [t.result() for t in done]
    burst = [ms for ms, _ in finished]
    burst_sent = len(fake_openai.generation_requests())
    # While the backend is saturated (or refusing), one completion more at a time.
    single = [(await one(100 + i))[0] for i in range(20)]
    sent = len(fake_openai.generation_requests())
    figure(f"64 concurrent completions vs {kind}: {len(finished)} answered empty within {max(burst):.0f} ms "
           f"of the burst, {len(pending)} waiting on the backend; in flight at most {peak['client']} in codepal, "
           f"{peak['server']} at the server; {burst_sent} HTTP requests. Then 20 more one by one: p95 "
           f"{percentile(single, 95):.1f} ms, {sent - burst_sent} HTTP requests")
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    sampler.cancel()
    await asyncio.sleep(0.1)
    assert all(empty for _, empty in finished)
    # The 64 share one event loop, so the burst's last answer waits for the others' prompt building
    # (and for CPU on a loaded machine): it only shows that nothing waited on the backend (30 s).
    assert max(burst) < 1000
    assert percentile(single, 95) < 100
    assert peak["client"] <= client.max_in_flight and peak["server"] <= client.max_in_flight
    if kind == "hang":
        assert len(pending) == client.max_in_flight and sent == client.max_in_flight  # nothing queued
        await wait_closed_by_client(fake_openai.generation_requests())
        assert all(r.closed_by_client for r in fake_openai.generation_requests())
    else:
        assert not pending and burst_sent <= 64 and sent - burst_sent == 20  # one request each, no retry
    assert client.in_flight == 0
    await assistant.close()


async def test_broken_streams_end_cleanly_and_the_server_stays_up(fake_openai: FakeOpenAI, start_lsp: StartLsp,
                                                                  figure: Figure) -> None:
    lsp = await start_lsp()
    await lsp.initialize_with(lsp_options(fake_openai.url))
    await lsp.wait_state("ready")
    faults = {
        "stream cut mid-answer": Behaviour(kind="drop", chunks=["result = a", " * b", "\n    return", " x"],
                                           drop_after=2),
        "invalid JSON event": Behaviour(kind="garbage"),
        "non-UTF-8 byte": Behaviour(kind="bad_utf8"),
        "endless answer": Behaviour(kind="endless", chunk_delay_s=0.002),
    }
    answers: dict[str, str] = {}
    for number, (name, behaviour) in enumerate(faults.items()):
        fake_openai.push(behaviour)
        uri = f"file:///fault{number}.py"
        lsp.open(uri, f"# {name}\n{DOC}")  # a different text each time: no answer from the cache
        items, ms = await lsp.inline(uri, 6, 4)
        _, status_ms = await lsp.timed_request("workspace/executeCommand",
                                               {"command": "codepal.status", "arguments": []})
        text = answers[name] = items[0]["insertText"] if items else ""
        figure(f"{name}: answered in {ms:.0f} ms with {len(text)} chars {text[:24]!r}; "
               f"status next in {status_ms:.1f} ms")
        assert lsp.proc is not None and lsp.proc.returncode is None
        assert ms < 4000  # the deadline bounds even an endless answer
    assert answers["stream cut mid-answer"].startswith("result = a * b")  # what arrived, post-processed
    log = lsp.log_text()
    assert "not JSON" in log  # the invalid event is named in the log
    endless = [r for r in fake_openai.generation_requests()[3:] if r.path == "/v1/completions"]
    closed_ms = await wait_closed_by_client(endless)
    figure(f"endless answer: {len(endless)} stream(s), closed by codepal {closed_ms:.0f} ms after the status answer")
    assert endless and all(r.closed_by_client for r in endless)
    status = await lsp.status()
    figure(f"after the four faults: state {status['state']}, pop-ups {len(lsp.show_messages())}, "
           f"{len(fake_openai.generation_requests())} HTTP requests")
    assert status["state"] == "ready"
    assert lsp.show_messages() == []
