"""The real `codepal lsp` as a raw stdio peer that also keeps the server's stderr (its log) and times
its start; plus a synchronous peer for hypothesis, which cannot drive an event loop."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import psutil

from codepal.jsonrpc import FrameDecoder, encode
from tests.support.raw_lsp import RawLsp


class LspPeer(RawLsp):
    """`codepal [-v] lsp` with stderr captured to `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path, verbose: bool = False,
                 command: list[str] | None = None, cwd: Path | None = None) -> None:
        super().__init__(env, command or [sys.executable, "-m", "codepal", *(["-v"] if verbose else []), "lsp"])
        self.log_path = log_path
        self.cwd = cwd
        self.spawned_at = 0.0
        self._listening_s: float | None = None

    async def start(self) -> LspPeer:
        self._log = self.log_path.open("wb")
        self.stderr = self._log
        self.spawned_at = time.monotonic()
        return await super().start()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_listening(self, timeout: float = 60.0) -> float:
        """Seconds from spawn until the server answers its first message (imports done, reading stdin).
        The message is an unknown request, which a JSON-RPC server answers with an error."""
        if self._listening_s is None:
            await self.request("codepal/ping", None, timeout=timeout)
            self._listening_s = time.monotonic() - self.spawned_at
        return self._listening_s

    async def initialize_with(self, options: dict[str, Any] | None = None, root: Path | None = None,
                              capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.wait_listening()  # start-up takes seconds on a loaded machine; initialize itself not
        params: dict[str, Any] = {
            "processId": os.getpid(), "capabilities": capabilities or {},
            "initializationOptions": options or {},
            "rootUri": root.as_uri() if root else None,
            "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}] if root else None,
        }
        response = await self.request("initialize", params)
        self.notify("initialized", {})
        return response

    async def command(self, name: str, *args: Any, timeout: float = 10.0) -> Any:
        response = await self.request("workspace/executeCommand", {"command": name, "arguments": list(args)},
                                      timeout=timeout)
        assert "result" in response, response
        return response["result"]

    async def status(self) -> dict[str, Any]:
        return dict(await self.command("codepal.status"))

    async def wait_state(self, state: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status = await self.status()
            if status["state"] == state:
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"state {status['state']!r}, not {state!r}: {status.get('message')}")
            await asyncio.sleep(0.05)

    def open(self, uri: str, text: str, language: str = "python", version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version, "text": text}})

    async def inline(self, uri: str, line: int, character: int, timeout: float = 30.0) -> tuple[list[Any], float]:
        started = time.monotonic()
        response = await self.request("textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character},
            "context": {"triggerKind": 2}}, timeout=timeout)
        assert "result" in response, response
        return response["result"]["items"], (time.monotonic() - started) * 1000

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    async def close(self) -> int | None:
        code = await super().close()
        self._log.close()
        return code


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class SyncLsp:
    """Blocking request/response over the server's stdio; notifications from the server are skipped."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "codepal", "lsp"], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._id = 0
        self.requests = 0
        self._decoder = FrameDecoder()
        self._inbox: deque[dict[str, Any]] = deque()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(encode(message))
        self.proc.stdin.flush()

    def _receive(self) -> dict[str, Any]:
        assert self.proc.stdout
        while not self._inbox:
            chunk = os.read(self.proc.stdout.fileno(), 65536)  # unbuffered: the decoder keeps what is left
            if not chunk:
                raise ConnectionError("the server closed stdout")
            self._inbox.extend(self._decoder.feed(chunk))
        return self._inbox.popleft()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self._id += 1
        self.requests += 1
        self._send({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        while True:
            message = self._receive()
            if message.get("id") == self._id and "method" not in message:
                assert "result" in message, message
                return message["result"]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(5)
        except (OSError, ConnectionError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
