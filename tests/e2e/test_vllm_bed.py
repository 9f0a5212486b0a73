"""The model client and engine against a real vLLM (CPU build, tiny random model)."""

from __future__ import annotations

import asyncio
import json
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


async def test_the_test_model_never_stops_by_itself(vllm: EngineInfo) -> None:
    """Tests rely on this to keep vLLM busy for as long as they ask: no EOS, no `</think>` of its own."""
    headers = {"Authorization": f"Bearer {vllm.api_key}"}
    endings = []
    async with httpx.AsyncClient(timeout=120, headers=headers) as http:
        for prompt in ("def add(a, b):\n    ", "import os\n", "x", "<｜User｜>hi<｜Assistant｜>"):
            answer = (await http.post(vllm.url + "/v1/completions", json={
                "model": vllm.model, "prompt": prompt, "max_tokens": 300, "temperature": 1.0})).json()
            endings.append((answer["choices"][0]["finish_reason"], answer["usage"]["completion_tokens"]))
        thinking = [0, 0]
        chat_end: list[object] = [None, 0]  # finish reason, tokens generated (vLLM's usage)
        async with http.stream("POST", vllm.url + "/v1/chat/completions", json={
                "model": vllm.model, "messages": [{"role": "user", "content": "explain"}], "max_tokens": 300,
                "stream": True, "stream_options": {"include_usage": True}, "temperature": 1.0}) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data: {"):
                    chunk = json.loads(line[6:])
                    if chunk.get("usage"):
                        chat_end[1] = chunk["usage"]["completion_tokens"]
                    for choice in chunk["choices"]:
                        delta = choice["delta"]
                        thinking[0] += bool(delta.get("reasoning") or delta.get("reasoning_content"))
                        thinking[1] += bool(delta.get("content"))
                        chat_end[0] = choice.get("finish_reason") or chat_end[0]
    # A loaded machine streams several tokens in one delta, so the deltas are counted only as "some".
    print(f"\n4 completions of 300 tokens at temperature 1: {endings}; chat: {thinking[0]} thinking deltas, "
          f"{thinking[1]} answer deltas, ended {chat_end}")
    assert endings == [("length", 300)] * 4
    assert thinking[1] == 0 and thinking[0] > 0 and chat_end == ["length", 300]  # it never closed its thinking


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


def test_the_cpu_engine_runs_niced_and_the_caller_does_not(vllm: EngineInfo, vllm_bed) -> None:  # type: ignore[no-untyped-def]
    """vLLM's CPU worker and scheduler spin while they generate: niced, they leave the editor its CPU."""
    group = vllm_bed.engine.pid
    niceness = {}
    for proc in psutil.process_iter(["pid", "name", "nice"]):
        try:
            if proc.pid == group or os_getpgid(proc.pid) == group:
                niceness[proc.info["name"]] = proc.info["nice"]
        except (psutil.Error, ProcessLookupError):
            continue
    print(f"\nniceness in the vLLM group: {niceness}; this process: {psutil.Process().nice()}")
    assert len(niceness) >= 3 and set(niceness.values()) == {vllm_bed.engine.config.cpu_nice} == {10}
    assert psutil.Process().nice() == 0


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
