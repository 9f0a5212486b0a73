"""Reading the editor's messages from a stdin pipe on the event loop itself.

pygls reads stdin in a worker thread, one hand-off to the loop per read: the header line, the blank line
and the body of every message cross threads three times, which costs an inline-completion request about
0.4 ms before its handler runs (more on a busy machine, where each hand-off waits for the GIL and a core).
A pipe or socket can be read by the loop directly; anything else (a file, a terminal, Windows) keeps
pygls' own reader. The framing and dispatch stay pygls' (`run_async`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading
from typing import TYPE_CHECKING, BinaryIO

from pygls.io_ import StdoutWriter, run_async

if TYPE_CHECKING:
    from .server import CodepalServer

log = logging.getLogger(__name__)

# The longest header line kept whole. A longer one is no `Content-Length` header: it is dropped, as
# pygls drops any header line it does not know.
HEADER_LIMIT = 1 << 16
_UNKNOWN_HEADER = b"X-Dropped: an overlong header line\r\n"


class PipeReader:
    """pygls' reader interface (`readline`, `readexactly`) over an asyncio stream; b"" at the end."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        try:
            return await self.stream.readline()
        except ValueError:  # longer than HEADER_LIMIT; asyncio has dropped it from the buffer
            return _UNKNOWN_HEADER

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""  # the editor closed stdin mid-message: the end, as for pygls' reader


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
    stream = asyncio.StreamReader(limit=HEADER_LIMIT)
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), source)
    await run_async(stop_event=stop, reader=PipeReader(stream), protocol=server.protocol, logger=log,
                    error_handler=server.report_server_error)
