"""The base of the tests' raw HTTP servers (the fake OpenAI server, the recording proxy): an asyncio server on
127.0.0.1 (a free port) running on its own event loop in a daemon thread, so a test in any event loop, or a
subprocess such as Jupyter, can use it; plus the reading of one HTTP/1.1 request.

Raw asyncio rather than a framework, so that a subclass can misbehave (hang, drop a stream, send garbage)
and pipe bytes as they come.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Self


@dataclass
class HttpRequest:
    """One request as it arrived: the request line and header lines as sent, headers by lower-case name."""

    method: str
    path: str
    request_line: str
    header_lines: list[str]
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """The next request on a connection; None when the client closed it first. A malformed request line
    raises ValueError; a body cut short raises asyncio.IncompleteReadError."""
    first = await reader.readline()
    if not first:
        return None
    request_line = first.decode("latin-1").rstrip("\r\n")
    method, path, _ = request_line.split(" ", 2)
    header_lines: list[str] = []
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        header_lines.append(line.decode("latin-1").rstrip("\r\n"))
    headers = {}
    for header in header_lines:
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    return HttpRequest(method, path, request_line, header_lines, body, headers)


class LoopbackServer:
    """Subclasses implement `_handle`, one call per connection, on the server's own loop."""

    thread_name = "loopback-server"

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=self.thread_name)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
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

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
