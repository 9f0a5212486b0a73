"""Reading the editor's messages from a stdin pipe on the event loop itself.

pygls reads stdin in a worker thread, one hand-off to the loop per read: the header line, the blank line
and the body of every message cross threads three times, which costs an inline-completion request about
0.4 ms before its handler runs (more on a busy machine, where each hand-off waits for the GIL and a core).
A pipe or socket can be read by the loop directly; anything else (a file, a terminal, Windows) keeps
pygls' own reader. Messages are framed as pygls' `run_async` frames them, in the pipe protocol's
`data_received`: a message is handled as soon as its last byte is read, without waking a reader task
first (an event-loop iteration and a stack of stream-reader frames: about 0.08 ms of every request on a
process that was idle). Dispatch stays pygls' (`structure_message`, `handle_message`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import JsonRPCProtocol

if TYPE_CHECKING:
    from .server import CodepalServer

log = logging.getLogger(__name__)

# The longest header line kept whole. A longer one is no `Content-Length` header: it is dropped, as
# pygls drops any header line it does not know.
HEADER_LIMIT = 1 << 16
CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # pygls' own pattern (`run_async`)


class MessageReader(asyncio.Protocol):
    """LSP base-protocol framing of the bytes a pipe delivers, as pygls' `run_async` reads them: header
    lines until a blank one after a `Content-Length`, then that many bytes of JSON, handed to the
    protocol at once. A header line longer than HEADER_LIMIT is dropped like any unknown header; the
    end of the pipe (mid-message or not) ends the server."""

    def __init__(self, protocol: JsonRPCProtocol, stop: threading.Event,
                 error_handler: Callable[[Exception, type[JsonRpcException]], Any]) -> None:
        self.protocol = protocol
        self.stop = stop
        self.error_handler = error_handler
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buffer = bytearray()
        self._content_length = 0
        self._body = 0  # > 0: the length of the body being read
        self._overlong = False  # dropping the rest of a header line longer than HEADER_LIMIT
        self._searched = 0  # the buffer holds no line break before this (a header line read in pieces)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        at = 0
        try:
            while not self.stop.is_set():
                if self._body:
                    end = at + self._body
                    if len(buffer) < end:
                        break
                    body = buffer[at:end]
                    at, self._body, self._content_length = end, 0, 0
                    self._handle(body)
                    continue
                newline = buffer.find(b"\n", max(at, self._searched))
                if newline < 0:
                    self._searched = len(buffer)
                    if len(buffer) - at > HEADER_LIMIT:
                        at, self._overlong = len(buffer), True
                    break
                line = bytes(buffer[at : newline + 1])
                at = newline + 1
                if self._overlong or len(line) > HEADER_LIMIT:
                    self._overlong = False
                    continue
                if not self._content_length and (match := CONTENT_LENGTH.fullmatch(line)):
                    self._content_length = int(match.group(1))
                if self._content_length and not line.strip():
                    self._body = self._content_length
        finally:
            del buffer[:at]
            self._searched = max(0, self._searched - at)

    def _handle(self, body: bytearray) -> None:
        try:
            message = json.loads(body, object_hook=self.protocol.structure_message)
            self.protocol.handle_message(message)
        except Exception as exc:
            log.exception("Unable to handle message")
            self.error_handler(exc, JsonRpcException)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


def readable_on_loop(stream: BinaryIO) -> bool:
    """True for a pipe or socket on a POSIX system: what the event loop can watch."""
    if os.name != "posix":
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def start_io(server: CodepalServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """What pygls' `start_io` does, with stdin read on the loop when it is a pipe."""
    source = stdin or sys.stdin.buffer
    if not readable_on_loop(source):
        server.start_io(stdin, stdout)
        return
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, source, stop))
    except BrokenPipeError:
        log.error("the connection to the editor is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):  # `exit` ends the process by SystemExit, as in pygls
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


async def _serve(server: CodepalServer, source: BinaryIO, stop: threading.Event) -> None:
    reader = MessageReader(server.protocol, stop, server.report_server_error)
    transport, _ = await asyncio.get_running_loop().connect_read_pipe(lambda: reader, source)
    try:
        await reader.ended
    finally:
        transport.close()
