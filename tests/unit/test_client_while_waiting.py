"""`stream_completion(while_waiting=...)`: work that runs once the request is out, while the server works."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from codepal.client import ModelClient
from tests.support.fake_openai import Behaviour, FakeOpenAI

FIRST_DELAY_S = 0.4


async def _stream(client: ModelClient, work: Callable[[], None]) -> tuple[str, float]:
    """The streamed text, and when its first piece arrived."""
    pieces: list[str] = []
    first_at = 0.0
    async for chunk in client.stream_completion("x", max_tokens=8, while_waiting=work):
        if chunk.text:
            first_at = first_at or time.monotonic()
            pieces.append(chunk.text)
    return "".join(pieces), first_at


async def test_the_work_runs_once_while_the_server_holds_its_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(chunks=["a", "b", "c"], first_delay_s=FIRST_DELAY_S, keep_alive=True)
    client = ModelClient(fake_openai.url, None, "fake-model")
    try:
        for _ in range(2):  # a new connection, then a pooled one
            ran: list[float] = []
            sent = time.monotonic()
            text, first_at = await _stream(client, lambda ran=ran: ran.append(time.monotonic()))
            assert text == "abc" and len(ran) == 1
            # It ran while the server was still holding the answer back, not once the answer came.
            assert ran[0] - sent < FIRST_DELAY_S / 2 < first_at - ran[0]
    finally:
        await client.aclose()


async def test_failing_work_costs_nothing_but_a_log_line(fake_openai: FakeOpenAI) -> None:
    client = ModelClient(fake_openai.url, None, "fake-model")

    def broken() -> None:
        raise RuntimeError("bug in the caller's work")

    try:
        text, _ = await _stream(client, broken)
        assert text == "hello world"
    finally:
        await client.aclose()


async def test_a_transport_without_trace_events_runs_the_work_before_the_answer() -> None:
    """An ASGI app in process (no httpcore, so no trace events): the work still runs, once, before the
    first piece of the answer is handed to the caller."""
    order: list[str] = []

    async def app(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                  send: Callable[[Any], Awaitable[None]]) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        for text in ("one", " two"):
            event = {"choices": [{"text": text, "finish_reason": None}]}
            await send({"type": "http.response.body", "body": f"data: {json.dumps(event)}\n\n".encode(),
                        "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})

    client = ModelClient("http://in-process", None, "m", transport=httpx.ASGITransport(app=app))

    async def pieces() -> AsyncIterator[str]:
        async for chunk in client.stream_completion("x", max_tokens=8, while_waiting=lambda: order.append("work")):
            if chunk.text:
                yield chunk.text

    try:
        async for text in pieces():
            order.append(text)
    finally:
        await client.aclose()
    assert order == ["work", "one", " two"]
