"""The model client against injected faults (fake server); the main path is tested on real vLLM."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from codepal.client import ModelClient
from codepal.engine.command import free_port
from codepal.errors import (
    BackendError,
    BackendOverloaded,
    BackendProtocolError,
    BackendTimeout,
    BackendUnavailable,
)
from tests.support.fake_openai import Behaviour, FakeOpenAI, wait_closed_by_client


async def _collect(client: ModelClient, **kwargs: object) -> str:
    kwargs.setdefault("max_tokens", 8)
    return "".join([c.text async for c in client.stream_completion("x", **kwargs)])  # type: ignore[arg-type]


async def test_streams_text(fake_openai: FakeOpenAI) -> None:
    client = ModelClient(fake_openai.url, None, "fake-model")
    assert await _collect(client) == "hello world"
    await client.aclose()


async def test_500_is_one_request_and_a_clear_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="status", status=500)
    client = ModelClient(fake_openai.url, None, "fake-model")
    with pytest.raises(BackendProtocolError, match="500"):
        await _collect(client)
    assert len(fake_openai.generation_requests()) == 1  # no retry storm
    await client.aclose()


@pytest.mark.parametrize("status", [429, 503])
async def test_overload_statuses(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.default = Behaviour(kind="status", status=status)
    client = ModelClient(fake_openai.url, None, "fake-model")
    with pytest.raises(BackendOverloaded):
        await _collect(client)
    await client.aclose()


async def test_hang_times_out_and_closes_the_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="hang")
    client = ModelClient(fake_openai.url, None, "fake-model", read_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(BackendTimeout):
        await _collect(client)
    elapsed = time.monotonic() - started
    closed_ms = await wait_closed_by_client(fake_openai.generation_requests()[:1])
    print(f"hang gave up after {elapsed * 1000:.0f} ms, stream seen closed {closed_ms:.0f} ms later")
    assert fake_openai.generation_requests()[0].closed_by_client
    await client.aclose()


async def test_cancel_closes_the_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="endless", chunk_delay_s=0.01)
    client = ModelClient(fake_openai.url, None, "fake-model")
    task = asyncio.ensure_future(_collect(client, max_tokens=10_000))  # still streaming when cancelled
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)
    assert fake_openai.generation_requests()[0].closed_by_client
    assert fake_openai.open_streams == 0
    await client.aclose()


async def test_a_finished_stream_leaves_its_connection_for_the_next_request(fake_openai: FakeOpenAI) -> None:
    # A new connection per completion cost each one ~1.6 ms against vLLM on a busy machine.
    fake_openai.default = Behaviour(keep_alive=True)
    client = ModelClient(fake_openai.url, None, "fake-model")
    for _ in range(3):
        assert await _collect(client) == "hello world"
    assert fake_openai.connections == 1
    await client.aclose()


async def test_a_stream_stopped_early_still_closes_its_connection(fake_openai: FakeOpenAI) -> None:
    # Closing the connection is how vLLM learns to stop generating: it must stay so with keep-alive.
    fake_openai.default = Behaviour(keep_alive=True, chunks=["a", "b", "c", "d"], chunk_delay_s=0.05)
    client = ModelClient(fake_openai.url, None, "fake-model")
    async with contextlib.aclosing(client.stream_completion("x", max_tokens=8)) as chunks:
        async for chunk in chunks:
            assert chunk.text == "a"
            break
    await asyncio.sleep(0.2)
    assert fake_openai.generation_requests()[0].closed_by_client
    assert await _collect(client) == "abcd"
    assert fake_openai.connections == 2
    await client.aclose()


async def test_a_body_held_open_after_done_ends_the_stream_anyway(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(keep_alive=True, hold_after_done=True)
    client = ModelClient(fake_openai.url, None, "fake-model")
    assert await asyncio.wait_for(_collect(client), 5.0) == "hello world"  # the server holds it for 30 s
    await asyncio.sleep(0.2)
    assert fake_openai.generation_requests()[0].closed_by_client  # that connection is not reused
    await client.aclose()


async def test_dropped_stream_keeps_what_arrived(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="drop", chunks=["a", "b", "c"], drop_after=2)
    client = ModelClient(fake_openai.url, None, "fake-model")
    got = []
    with pytest.raises(BackendError):
        async for chunk in client.stream_completion("x", max_tokens=8):
            got.append(chunk.text)
    assert got == ["a", "b"]
    await client.aclose()


async def test_an_endless_answer_stops_at_max_tokens(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="endless")
    client = ModelClient(fake_openai.url, None, "fake-model")
    assert await _collect(client, max_tokens=5) == "again " * 5
    await asyncio.sleep(0.2)
    assert fake_openai.generation_requests()[0].closed_by_client
    await client.aclose()


async def test_garbage_is_a_protocol_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="garbage")
    client = ModelClient(fake_openai.url, None, "fake-model")
    with pytest.raises(BackendProtocolError, match="not JSON"):
        await _collect(client)
    await client.aclose()


async def test_invalid_utf8_does_not_crash(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="bad_utf8")
    client = ModelClient(fake_openai.url, None, "fake-model")
    text = await _collect(client)
    assert text.startswith("ok")
    await client.aclose()


async def test_server_down_is_unavailable_fast() -> None:
    client = ModelClient(f"http://127.0.0.1:{free_port()}", None, "m")
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        await _collect(client)
    assert time.monotonic() - started < 1.0
    assert await client.health() is False
    await client.aclose()


async def test_in_flight_is_bounded_without_a_queue(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="hang")
    client = ModelClient(fake_openai.url, None, "fake-model", max_in_flight=4, read_timeout=5)
    hanging = [asyncio.ensure_future(_collect(client)) for _ in range(4)]
    await asyncio.sleep(0.2)
    started = time.monotonic()
    with pytest.raises(BackendOverloaded):
        await _collect(client)
    assert time.monotonic() - started < 0.1
    for task in hanging:
        task.cancel()
    await asyncio.gather(*hanging, return_exceptions=True)
    assert client.in_flight == 0
    await client.aclose()


async def test_fail_pending_fails_every_request_at_once(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(kind="hang")
    client = ModelClient(fake_openai.url, None, "fake-model", read_timeout=30)
    pending = [asyncio.ensure_future(_collect(client)) for _ in range(5)]
    await asyncio.sleep(0.2)
    assert client.fail_pending(BackendUnavailable("crashed")) == 5
    results = await asyncio.gather(*pending, return_exceptions=True)
    assert all(isinstance(r, BackendUnavailable) for r in results)


async def test_chat_separates_reasoning_fields_and_tags(fake_openai: FakeOpenAI) -> None:
    client = ModelClient(fake_openai.url, None, "fake-model")
    fake_openai.push(Behaviour(chunks=[("think a", ""), ("", "answer")]))
    deltas = [d async for d in client.stream_chat([{"role": "user", "content": "q"}], max_tokens=9)]
    assert "".join(d.reasoning for d in deltas) == "think a"
    assert "".join(d.content for d in deltas) == "answer"
    fake_openai.push(Behaviour(chunks=["still thin", "king</thi", "nk>the answer"]))
    deltas = [d async for d in client.stream_chat([{"role": "user", "content": "q"}], max_tokens=9)]
    assert "".join(d.reasoning for d in deltas) == "still thinking"
    assert "".join(d.content for d in deltas) == "the answer"
    await client.aclose()


async def test_thinking_budget_is_sent(fake_openai: FakeOpenAI) -> None:
    client = ModelClient(fake_openai.url, None, "fake-model")
    _ = [d async for d in client.stream_chat([{"role": "user", "content": "q"}], max_tokens=9,
                                             thinking_token_budget=64)]
    assert fake_openai.generation_requests()[0].body["thinking_token_budget"] == 64
    await client.aclose()
