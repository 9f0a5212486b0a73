"""The model client and engine against a real vLLM (CPU build, tiny random model)."""

from __future__ import annotations

import asyncio
import time

import httpx
import psutil
import pytest

from codepal.client import ModelClient
from codepal.engine import EngineInfo
from codepal.errors import BackendTimeout
from tests.support.metrics import metric_sum

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


_metric = metric_sum


def _client(vllm: EngineInfo, **kwargs: object) -> ModelClient:
    return ModelClient(vllm.url, vllm.api_key, vllm.model, **kwargs)  # type: ignore[arg-type]


async def test_ready_lists_the_model(vllm: EngineInfo) -> None:
    client = _client(vllm)
    assert await client.health()
    assert vllm.model in await client.list_models()
    await client.aclose()


async def test_streams_in_pieces(vllm: EngineInfo) -> None:
    client = _client(vllm)
    started = time.monotonic()
    chunks = [c async for c in client.stream_completion("def add(a, b):\n", max_tokens=16, temperature=0)]
    elapsed = (time.monotonic() - started) * 1000
    texts = [c.text for c in chunks if c.text]
    print(f"16-token completion in {elapsed:.0f} ms, {len(texts)} text chunks")
    assert len(texts) >= 2
    await client.aclose()


async def test_chat_separates_reasoning(vllm: EngineInfo) -> None:
    client = _client(vllm)
    deltas = [d async for d in client.stream_chat([{"role": "user", "content": "hi"}], max_tokens=24,
                                                  thinking_token_budget=8)]
    assert any(d.reasoning for d in deltas)
    usage = [d for d in deltas if d.completion_tokens]
    assert usage and usage[-1].completion_tokens == 24
    await client.aclose()


async def test_cancel_mid_stream_stops_generation_on_the_server(vllm: EngineInfo) -> None:
    client = _client(vllm)
    got = 0

    async def consume() -> None:
        nonlocal got
        async for chunk in client.stream_completion("x = ", max_tokens=3000, temperature=1.0,
                                                    extra={"ignore_eos": True}):
            got += len(chunk.text)

    task = asyncio.ensure_future(consume())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if got > 20:
            break
    assert got > 0
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    running = 1.0
    while time.monotonic() - cancelled_at < 5:
        running = _metric(await client.metrics(), "vllm:num_requests_running")
        if running == 0:
            break
        await asyncio.sleep(0.05)
    stopped_after = time.monotonic() - cancelled_at
    before = _metric(await client.metrics(), "vllm:generation_tokens_total")
    await asyncio.sleep(0.5)
    after = _metric(await client.metrics(), "vllm:generation_tokens_total")
    print(f"generation stopped {stopped_after * 1000:.0f} ms after cancel; tokens grew by {after - before}")
    assert running == 0
    assert after == before
    await client.aclose()


async def test_read_timeout_is_a_backend_timeout(vllm: EngineInfo) -> None:
    client = _client(vllm, read_timeout=0.001)
    with pytest.raises(BackendTimeout):
        async for _ in client.stream_completion("x", max_tokens=200, extra={"ignore_eos": True}):
            pass
    await client.aclose()


def test_requests_without_the_key_get_401(vllm: EngineInfo) -> None:
    for path in ("/v1/models", "/v1/completions", "/v1/chat/completions"):
        response = httpx.post(vllm.url + path, json={}) if "compl" in path else httpx.get(vllm.url + path)
        assert response.status_code == 401, path


def test_listens_on_loopback_only(vllm: EngineInfo, vllm_bed) -> None:  # type: ignore[no-untyped-def]
    group = vllm_bed.engine.pid
    listening = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.pid != group and os_getpgid(proc.pid) != group:
                continue
            listening += [c.laddr.ip for c in proc.net_connections("inet") if c.status == psutil.CONN_LISTEN]
        except (psutil.Error, ProcessLookupError):
            continue
    print(f"vLLM process group listens on: {sorted(set(listening))}")
    assert listening
    assert all(ip in ("127.0.0.1", "::1") for ip in listening)


def test_api_key_is_in_no_process_argv(vllm: EngineInfo) -> None:
    assert vllm.api_key
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        assert vllm.api_key not in cmdline


def test_state_file_is_private(vllm_state_dir) -> None:  # type: ignore[no-untyped-def]
    state = vllm_state_dir / "engine.json"
    assert state.stat().st_mode & 0o777 == 0o600


def os_getpgid(pid: int) -> int:
    import os

    return os.getpgid(pid)
