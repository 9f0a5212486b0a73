"""A raw JSON-RPC-over-stdio peer for `codepal lsp`: sends bytes a well-behaved client never would."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

from codepal.bench.rpc import FrameDecoder

SERVER = [sys.executable, "-m", "codepal", "lsp"]


class RawLsp:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env or dict(os.environ)
        self.proc: asyncio.subprocess.Process | None = None
        self.messages: list[dict[str, Any]] = []  # everything the server sent, in order
        self._waiters: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._next_id = 0

    async def start(self) -> RawLsp:
        self.proc = await asyncio.create_subprocess_exec(
            *SERVER, env=self.env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        decoder = FrameDecoder()
        while chunk := await self.proc.stdout.read(65536):
            for message in decoder.feed(chunk):
                self.messages.append(message)
                waiter = self._waiters.pop(message.get("id"), None) if "method" not in message else None
                if waiter and not waiter.done():
                    waiter.set_result(message)

    def send_bytes(self, body: bytes) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any = None) -> None:
        self.send_bytes(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())

    async def request(self, method: str, params: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        self._next_id += 1
        msg_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[msg_id] = future
        self.send_bytes(json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method,
                                    "params": params}).encode())
        return await asyncio.wait_for(future, timeout)

    async def timed_request(self, method: str, params: Any = None) -> tuple[dict[str, Any], float]:
        started = time.monotonic()
        response = await self.request(method, params)
        return response, (time.monotonic() - started) * 1000

    async def initialize(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.request("initialize", {
            "processId": os.getpid(), "rootUri": None, "capabilities": {},
            "initializationOptions": options or {}})
        self.notify("initialized", {})
        return response

    def show_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("method") == "window/showMessage"]

    async def close(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            try:
                await self.request("shutdown", None, timeout=5)
            except (TimeoutError, ConnectionError):
                pass
            self.notify("exit")
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader:
            self._reader.cancel()
        return self.proc.returncode
