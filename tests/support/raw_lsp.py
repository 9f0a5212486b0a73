"""A raw JSON-RPC-over-stdio peer for `codepal lsp`: sends bytes a well-behaved client never would.

Built on the shared client peer (`codepal.jsonrpc`); it keeps every message the server sent, returns whole
response messages (errors included) and leaves the server's own requests unanswered.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from codepal.jsonrpc import Message, RpcPeer, frame

SERVER = [sys.executable, "-m", "codepal", "lsp"]


class RawLsp(RpcPeer):
    answers_server_requests = False

    def __init__(self, env: dict[str, str] | None = None, argv: list[str] | None = None) -> None:
        super().__init__(argv or list(SERVER), env or dict(os.environ))
        self.messages: list[Message] = []  # everything the server sent, in order

    def _dispatch(self, message: Message, arrived: float) -> None:
        self.messages.append(message)
        super()._dispatch(message, arrived)

    def send_bytes(self, body: bytes) -> None:
        """`body` framed as it is: it need not be JSON, or valid UTF-8."""
        self.write_bytes(frame(body))

    async def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Message:
        """The whole response message, error or not."""
        return await self.response(method, params, timeout)

    async def timed_request(self, method: str, params: Any = None) -> tuple[Message, float]:
        started = time.monotonic()
        response = await self.request(method, params)
        return response, (time.monotonic() - started) * 1000

    async def initialize(self, options: dict[str, Any] | None = None) -> Message:
        response = await self.request("initialize", {
            "processId": os.getpid(), "rootUri": None, "capabilities": {},
            "initializationOptions": options or {}})
        self.notify("initialized", {})
        return response

    def show_messages(self) -> list[Message]:
        return [m for m in self.messages if m.get("method") == "window/showMessage"]
