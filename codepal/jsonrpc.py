"""JSON-RPC 2.0 with LSP framing (`Content-Length` headers), and a client peer over a child's stdio.

The one home of this framing outside pygls: `codepal bench` and the tests drive `codepal lsp` with it
exactly as an editor would, without pygls or lsprotocol (the core never imports them). Every response is
stamped with the `perf_counter` time its bytes were read, so a request's latency is the editor's view:
from writing the request to reading the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass
from typing import IO, Any, Self

Message = dict[str, Any]
REQUEST_CANCELLED = -32800


def frame(body: bytes) -> bytes:
    """Header, blank line, body: any bytes, so a test can also frame a body no client would send."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message: Message) -> bytes:
    """One framed message with a UTF-8 JSON body, as editors send it. Text with a lone surrogate, which
    UTF-8 cannot carry, goes as ASCII JSON with `\\u` escapes instead (JSON allows them)."""
    try:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
    return frame(body)


class FrameDecoder:
    """Splits a byte stream into messages; `feed` takes any chunking and returns what is complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        messages: list[Message] = []
        while True:
            if self._length is None:
                end = self._buffer.find(b"\r\n\r\n")
                if end < 0:
                    return messages
                self._length = _content_length(bytes(self._buffer[:end]))
                del self._buffer[: end + 4]
            if len(self._buffer) < self._length:
                return messages
            body = bytes(self._buffer[: self._length])
            del self._buffer[: self._length]
            self._length = None
            messages.append(json.loads(body.decode("utf-8")))


def _content_length(header: bytes) -> int:
    for line in header.decode("ascii").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(value.strip())
    raise ValueError(f"LSP header without Content-Length: {header!r}")


@dataclass
class Pending:
    """A request in flight. `future` resolves to the response message; `arrived_at` is then set."""

    id: int
    method: str
    sent_at: float
    future: asyncio.Future[Message]
    arrived_at: float | None = None
    cancel_sent: bool = False

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def latency_ms(self) -> float | None:
        return None if self.arrived_at is None else (self.arrived_at - self.sent_at) * 1000.0


class RpcPeer:
    """The client side of one JSON-RPC connection to a child process (`argv`), over its stdin/stdout.

    `stderr` is where the child's log goes (a file object or a `subprocess` constant). A request from the
    server is answered with a null result so it never waits on us, unless `answers_server_requests` is off.
    """

    answers_server_requests = True

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | os.PathLike[str] | None = None,
                 stderr: int | IO[Any] = asyncio.subprocess.DEVNULL) -> None:
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.stderr = stderr
        self.proc: asyncio.subprocess.Process | None = None
        self.notifications: list[Message] = []
        self._pending: dict[int, Pending] = {}
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> Self:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, cwd=self.cwd, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=self.stderr,
        )
        self._reader = asyncio.ensure_future(self._read())
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        decoder = FrameDecoder()
        try:
            while chunk := await self.proc.stdout.read(65536):
                arrived = time.perf_counter()
                for message in decoder.feed(chunk):
                    self._dispatch(message, arrived)
        finally:
            for pending in self._pending.values():
                if not pending.future.done():
                    pending.future.set_exception(ConnectionError("the language server closed its output"))
            self._pending.clear()

    def _dispatch(self, message: Message, arrived: float) -> None:
        if "method" in message:
            if "id" not in message:
                self.notifications.append({**message, "received_at": arrived})
            elif self.answers_server_requests:
                self._write({"jsonrpc": "2.0", "id": message["id"], "result": None})
            return
        pending = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if pending is not None and not pending.future.done():
            pending.arrived_at = arrived
            pending.future.set_result(message)

    def write_bytes(self, data: bytes) -> None:
        """Bytes as they are, framing included (see `frame`)."""
        if self.proc is None or self.proc.stdin is None or self.proc.stdin.is_closing():
            raise ConnectionError("the language server is not running")
        self.proc.stdin.write(data)

    def _write(self, message: Message) -> None:
        self.write_bytes(encode(message))

    def notify(self, method: str, params: Any = None) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def send(self, method: str, params: Any = None) -> Pending:
        """Write a request now and return at once; await `pending.future` for the answer."""
        self._next_id += 1
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        pending = Pending(self._next_id, method, time.perf_counter(), future)
        self._pending[pending.id] = pending
        self._write({"jsonrpc": "2.0", "id": pending.id, "method": method, "params": params})
        return pending

    def cancel(self, pending: Pending) -> None:
        """`$/cancelRequest`, as an editor sends it for a request it no longer needs."""
        if not pending.done and not pending.cancel_sent:
            pending.cancel_sent = True
            self.notify("$/cancelRequest", {"id": pending.id})

    async def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """Send, wait, and return the result (raises RpcError for an error answer)."""
        return result_of(await self.response(method, params, timeout))

    async def response(self, method: str, params: Any = None, timeout: float = 30.0) -> Message:
        """Send, wait, and return the whole response message, error or not."""
        return await asyncio.wait_for(self.send(method, params).future, timeout)

    async def close(self, timeout: float = 5.0) -> int | None:
        """`shutdown` and `exit` as an editor ends a session; killed if it does not exit in `timeout`."""
        proc = self.proc
        if proc is None:
            return None
        if proc.returncode is None:
            with contextlib.suppress(Exception):
                await self.response("shutdown", None, timeout=timeout)
            with contextlib.suppress(Exception):
                self.notify("exit")
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        return proc.returncode


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def result_of(message: Message) -> Any:
    error = message.get("error")
    if error is not None:
        raise RpcError(int(error.get("code", 0)), str(error.get("message", "")))
    return message.get("result")
