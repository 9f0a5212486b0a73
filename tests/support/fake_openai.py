"""A controllable fake OpenAI server, only for injecting faults (and scripted R1-style answers).

The main path is always tested against real vLLM. This one speaks raw HTTP/1.1 over asyncio so it can
misbehave in ways a framework would not let it: hang, drop the stream, send garbage or invalid UTF-8.
It runs on its own event loop in a thread (`LoopbackServer`), so a test in any loop (or a subprocess) can
use it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback_server import LoopbackServer, read_request


@dataclass
class Behaviour:
    """What to do with one request to a generation route.

    kind: "stream" (SSE of `chunks`), "hang", "status", "drop" (send `drop_after` chunks then cut the
    connection), "garbage" (invalid JSON event), "bad_utf8" (an invalid byte in an event), "endless".
    For chat routes each chunk is text for `content`, or a (reasoning, content) pair.
    """

    kind: str = "stream"
    chunks: list[Any] = field(default_factory=lambda: ["hello", " world"])
    status: int = 500
    first_delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    drop_after: int = 1
    finish_reason: str = "stop"  # "length": the answer ran out of tokens
    # A stream as vLLM's server sends it: chunked encoding on a connection kept open for the next request
    # (by default the body ends when the connection closes). `hold_after_done`: the body stays open
    # after `[DONE]` until the client closes the connection.
    keep_alive: bool = False
    hold_after_done: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: Any
    at: float
    closed_by_client: bool = False


class FakeOpenAI(LoopbackServer):
    thread_name = "fake-openai"

    def __init__(self, model: str = "fake-model", api_key: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.api_key = api_key
        self.default = Behaviour()
        self.script: deque[Behaviour] = deque()
        self.requests: list[RecordedRequest] = []
        self.open_streams = 0
        self.connections = 0  # accepted so far

    # -- control --------------------------------------------------------------------------------

    def push(self, *behaviours: Behaviour) -> None:
        """Use these for the next requests, in order; then `default`."""
        self.script.extend(behaviours)

    def generation_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("completions")]

    # -- server ---------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (request := await read_request(reader)) is not None:
                body = json.loads(request.body) if request.body else None
                record = RecordedRequest(request.method, request.path, body, time.monotonic())
                self.requests.append(record)
                if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
                    await self._send_json(writer, 401, {"error": {"message": "bad key"}})
                    continue
                keep_open = await self._route(request.path, body, record, reader, writer)
                if not keep_open:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()

    async def _route(self, path: str, body: Any, record: RecordedRequest,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if path == "/health":
            await self._send_json(writer, 200, {})
            return True
        if path == "/v1/models":
            await self._send_json(writer, 200, {"object": "list", "data": [{"id": self.model}]})
            return True
        if path == "/tokenize":
            text = (body or {}).get("prompt", "")
            await self._send_json(writer, 200, {"tokens": list(range(max(1, len(text) // 4)))})
            return True
        if not path.endswith("completions"):
            await self._send_json(writer, 404, {"error": {"message": "not found"}})
            return True
        behaviour = self.script.popleft() if self.script else self.default
        chat = path.endswith("chat/completions")
        self.open_streams += 1
        try:
            return await self._generate(behaviour, chat, record, reader, writer)
        finally:
            self.open_streams -= 1

    async def _generate(self, b: Behaviour, chat: bool, record: RecordedRequest,
                        reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if b.kind == "status":
            await self._send_json(writer, b.status, {"error": {"message": f"injected {b.status}"}})
            return True
        if b.kind == "hang":
            try:
                await reader.read()  # until the client closes
            except ConnectionError:
                pass
            record.closed_by_client = True
            return False
        if b.keep_alive and b.kind == "stream":
            return await self._stream_chunked(b, chat, record, reader, writer)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
        await writer.drain()
        if b.first_delay_s:
            if await _client_gone(reader, b.first_delay_s):
                record.closed_by_client = True
                return False
        if b.kind == "garbage":
            writer.write(b"data: {this is not json\n\n")
        elif b.kind == "bad_utf8":
            writer.write(b'data: {"choices":[{"index":0,"text":"ok\xff\xfe","delta":{"content":"ok\xff"}}]}\n\n')
            writer.write(b"data: [DONE]\n\n")
        else:
            chunks = b.chunks if b.kind != "endless" else _endless()
            for index, chunk in enumerate(chunks):
                if b.kind == "drop" and index >= b.drop_after:
                    writer.transport.abort()
                    return False
                writer.write(_event(chunk, chat))
                try:
                    await writer.drain()
                except ConnectionError:
                    record.closed_by_client = True
                    return False
                if await _client_gone(reader, b.chunk_delay_s):
                    record.closed_by_client = True
                    return False
            writer.write(_event(None, chat, finish=b.finish_reason) + b"data: [DONE]\n\n")
        await writer.drain()
        return False

    async def _stream_chunked(self, b: Behaviour, chat: bool, record: RecordedRequest,
                              reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """True when the connection stays open for another request."""
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        await writer.drain()
        if b.first_delay_s and await _client_gone(reader, b.first_delay_s):  # headers first, as vLLM sends them
            record.closed_by_client = True
            return False
        for data in [_event(chunk, chat) for chunk in b.chunks] + [_event(None, chat, finish=b.finish_reason)]:
            writer.write(b"%x\r\n%s\r\n" % (len(data), data))
            await writer.drain()
            if await _client_gone(reader, b.chunk_delay_s):
                record.closed_by_client = True
                return False
        done = b"data: [DONE]\n\n"
        writer.write(b"%x\r\n%s\r\n" % (len(done), done))
        if b.hold_after_done:
            record.closed_by_client = await _client_gone(reader, 30.0)
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _send_json(self, writer: asyncio.StreamWriter, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
                     .encode() + data)
        await writer.drain()


async def wait_closed_by_client(records: list[RecordedRequest], within_s: float = 3.0) -> float:
    """Milliseconds until the fake server has seen every one of `records` closed by codepal (or `within_s`
    passed): it runs in its own thread and sees a close on its next read, after codepal's answer."""
    started = time.monotonic()
    while not all(r.closed_by_client for r in records) and time.monotonic() - started < within_s:
        await asyncio.sleep(0.01)
    return (time.monotonic() - started) * 1000


def _endless() -> Any:
    while True:
        yield "again "


async def _client_gone(reader: asyncio.StreamReader, wait_s: float) -> bool:
    """Wait up to `wait_s`; True if the client closed the connection meanwhile."""
    try:
        data = await asyncio.wait_for(reader.read(1), max(wait_s, 0.0005))
        return data == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


def _event(chunk: Any, chat: bool, finish: str = "") -> bytes:
    if chat:
        if finish:
            choice: dict[str, Any] = {"index": 0, "delta": {}, "finish_reason": finish}
        elif isinstance(chunk, tuple):
            reasoning, content = chunk
            delta = {k: v for k, v in (("reasoning", reasoning), ("content", content)) if v}
            choice = {"index": 0, "delta": delta, "finish_reason": None}
        else:
            choice = {"index": 0, "delta": {"content": chunk}, "finish_reason": None}
        payload = {"object": "chat.completion.chunk", "choices": [choice]}
    else:
        choice = {"index": 0, "text": "" if finish else chunk, "finish_reason": finish or None}
        payload = {"object": "text_completion", "choices": [choice]}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"
