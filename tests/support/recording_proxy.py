"""An HTTP proxy in front of a real model server that records every request body, to check what the model
received (prompts), while the real server answers.

Raw asyncio, one upstream connection per request (`Connection: close` upstream), response bytes piped back
as they come, so streaming works and a client that hangs up closes the upstream stream too (vLLM aborts).
It runs on its own event loop in a thread, so a subprocess (Jupyter) or any test loop can use it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse


@dataclass
class Recorded:
    method: str
    path: str
    body: Any  # parsed JSON, or the raw text


class RecordingProxy:
    def __init__(self, upstream: str) -> None:
        parsed = urlparse(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.requests: list[Recorded] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="recording-proxy")
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RecordingProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def prompts(self) -> list[str]:
        """The text of every generation request: chat messages and plain completion prompts."""
        out: list[str] = []
        for request in list(self.requests):
            if not isinstance(request.body, dict):
                continue
            out += [str(m.get("content", "")) for m in request.body.get("messages", []) if isinstance(m, dict)]
            out += [str(request.body["prompt"])] if "prompt" in request.body else []
        return out

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Forward one request and its whole response; False when the client is gone."""
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        length = next((int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0)
        body = await reader.readexactly(length) if length else b""
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        self.requests.append(Recorded(method, path, parsed))
        kept = [h for h in headers if not h.lower().startswith(("connection:", "host:", "keep-alive:"))]
        request_head = "\r\n".join([lines[0], f"Host: {self.upstream_host}:{self.upstream_port}",
                                    "Connection: close", *kept]) + "\r\n\r\n"
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        try:
            up_writer.write(request_head.encode("latin-1") + body)
            await up_writer.drain()
            response_head = await up_reader.readuntil(b"\r\n\r\n")
            # The client may keep its connection: tell it this one closes after the response.
            head_lines = [h for h in response_head.decode("latin-1").split("\r\n")
                          if h and not h.lower().startswith(("connection:", "keep-alive:"))]
            writer.write(("\r\n".join([*head_lines, "Connection: close"]) + "\r\n\r\n").encode("latin-1"))
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
                await writer.drain()  # raises when the client hung up: the upstream closes below
        finally:
            up_writer.close()
        return False
