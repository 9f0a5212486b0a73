"""An HTTP proxy in front of a real model server that records every request body, to check what the model
received (prompts), while the real server answers.

Raw asyncio, one upstream connection per request (`Connection: close` upstream), response bytes piped back
as they come, so streaming works and a client that hangs up closes the upstream stream too (vLLM aborts).
It runs on its own event loop in a thread (`LoopbackServer`), so a subprocess (Jupyter) or any test loop can
use it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from tests.support.loopback_server import LoopbackServer, read_request


@dataclass
class Recorded:
    method: str
    path: str
    body: Any  # parsed JSON, or the raw text


class RecordingProxy(LoopbackServer):
    thread_name = "recording-proxy"

    def __init__(self, upstream: str) -> None:
        super().__init__()
        parsed = urlparse(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.requests: list[Recorded] = []

    def prompts(self) -> list[str]:
        """The text of every generation request: chat messages and plain completion prompts."""
        out: list[str] = []
        for request in list(self.requests):
            if not isinstance(request.body, dict):
                continue
            out += [str(m.get("content", "")) for m in request.body.get("messages", []) if isinstance(m, dict)]
            out += [str(request.body["prompt"])] if "prompt" in request.body else []
        return out

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._forward(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward one request and its whole response (each connection carries one: `Connection: close`)."""
        request = await read_request(reader)
        if request is None:
            return
        body = request.body
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        self.requests.append(Recorded(request.method, request.path, parsed))
        kept = [h for h in request.header_lines if not h.lower().startswith(("connection:", "host:", "keep-alive:"))]
        request_head = "\r\n".join([request.request_line, f"Host: {self.upstream_host}:{self.upstream_port}",
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
