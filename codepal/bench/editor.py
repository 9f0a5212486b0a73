"""A scripted editor: one `codepal lsp` child driven over stdio the way VS Code drives it.

It keeps its own copy of each document, sends incremental `didChange` edits in UTF-16 positions, and
asks for inline completions after each change, cancelling the previous request with `$/cancelRequest`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from codepal.jsonrpc import Pending, RpcPeer, result_of
from codepal.text.lines import LINE_BREAK

SERVER = [sys.executable, "-m", "codepal", "lsp"]
INVOKED, AUTOMATIC = 1, 2  # InlineCompletionTriggerKind
CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False},
        "inlineCompletion": {"dynamicRegistration": False},
    },
    "workspace": {"configuration": False},
    "window": {"workDoneProgress": False},
    # The server returns command results (an explanation) instead of showing them: the bench reads them.
    "experimental": {"codepal": {"resultView": True}},
}


def position_of(text: str, offset: int) -> dict[str, int]:
    """LSP position (line, UTF-16 character) of a code-point offset; lines split on \\n, \\r\\n, \\r."""
    line, start = 0, 0
    for match in LINE_BREAK.finditer(text, 0, offset):
        if match.end() > offset:
            break
        line, start = line + 1, match.end()
    character = len(text[start:offset].encode("utf-16-le")) // 2
    return {"line": line, "character": character}


@dataclass
class Doc:
    uri: str
    text: str
    language: str = "python"
    version: int = 1


@dataclass
class InlineAnswer:
    """What the editor got for one inline request."""

    pending: Pending
    items: list[dict[str, Any]] = field(default_factory=list)
    cancelled: bool = False  # answered -32800 (RequestCancelled)
    error: str | None = None

    @property
    def text(self) -> str:
        return str(self.items[0].get("insertText", "")) if self.items else ""


def read_answer(pending: Pending) -> InlineAnswer:
    """Classify a finished inline request's response."""
    message = pending.future.result()
    error = message.get("error")
    if error is not None:
        return InlineAnswer(pending, cancelled=error.get("code") == -32800, error=str(error.get("message")))
    result = message.get("result")
    items = result.get("items", []) if isinstance(result, dict) else (result or [])
    return InlineAnswer(pending, [item for item in items if item.get("insertText")])


class Editor:
    def __init__(self, env: dict[str, str], options: dict[str, Any], root: str | None = None) -> None:
        self.peer = RpcPeer(list(SERVER), env)
        self.options = options
        self.root = root
        self.docs: dict[str, Doc] = {}
        self.init_result: dict[str, Any] = {}
        self.started_ms = 0.0

    async def start(self) -> Editor:
        started = time.perf_counter()
        await self.peer.start()
        self.init_result = await self.peer.request("initialize", {
            "processId": os.getpid(),
            "rootUri": self.root,
            "capabilities": CAPABILITIES,
            "initializationOptions": self.options,
            "clientInfo": {"name": "codepal-bench"},
        }, timeout=60.0)
        self.peer.notify("initialized", {})
        self.started_ms = (time.perf_counter() - started) * 1000
        return self

    @property
    def commands(self) -> list[str]:
        provider = (self.init_result.get("capabilities") or {}).get("executeCommandProvider") or {}
        return [str(c) for c in provider.get("commands", [])]

    async def wait_ready(self, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status = await self.status()
            if status.get("state") == "ready" or time.monotonic() > deadline:
                return status
            await asyncio.sleep(0.1)

    def state_changes(self) -> list[dict[str, Any]]:
        """The server's `codepal/status` notifications so far (engine state as it saw it)."""
        return [{**(m.get("params") or {}), "received_at": m.get("received_at")}
                for m in self.peer.notifications if m.get("method") == "codepal/status"]

    async def status(self) -> dict[str, Any]:
        result = await self.peer.request("workspace/executeCommand",
                                         {"command": "codepal.status", "arguments": []})
        return dict(result or {})

    def open(self, uri: str, text: str, language: str = "python") -> Doc:
        doc = Doc(uri, text, language)
        self.docs[uri] = doc
        self.peer.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": doc.version, "text": text}})
        return doc

    def close_doc(self, uri: str) -> None:
        if self.docs.pop(uri, None) is not None:
            self.peer.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def insert(self, uri: str, offset: int, text: str) -> int:
        """Type `text` at `offset` (one incremental change); returns the offset after it."""
        doc = self.docs[uri]
        position = position_of(doc.text, offset)
        doc.text = doc.text[:offset] + text + doc.text[offset:]
        doc.version += 1
        self.peer.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": doc.version},
            "contentChanges": [{"range": {"start": position, "end": position}, "text": text}],
        })
        return offset + len(text)

    def inline(self, uri: str, offset: int, trigger: int = AUTOMATIC) -> Pending:
        doc = self.docs[uri]
        return self.peer.send("textDocument/inlineCompletion", {
            "textDocument": {"uri": uri},
            "position": position_of(doc.text, offset),
            "context": {"triggerKind": trigger},
        })

    async def inline_now(self, uri: str, offset: int, trigger: int = INVOKED,
                         timeout: float = 60.0) -> InlineAnswer:
        pending = self.inline(uri, offset, trigger)
        await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        return read_answer(pending)

    async def execute(self, command: str, arguments: list[Any], timeout: float = 300.0) -> Any:
        pending = self.peer.send("workspace/executeCommand", {"command": command, "arguments": arguments})
        return result_of(await asyncio.wait_for(pending.future, timeout))

    async def close(self) -> None:
        await self.peer.close()


async def start_editors(count: int, env: dict[str, str], options: dict[str, Any],
                        timeout: float = 120.0) -> list[Editor]:
    """Start `count` language servers side by side and wait until each sees a ready engine."""
    editors = [Editor(env, options) for _ in range(count)]
    try:
        await asyncio.gather(*(editor.start() for editor in editors))
        statuses = await asyncio.gather(*(editor.wait_ready(timeout) for editor in editors))
    except BaseException:
        await asyncio.gather(*(editor.close() for editor in editors), return_exceptions=True)
        raise
    not_ready = [status for status in statuses if status.get("state") != "ready"]
    if not_ready:
        await asyncio.gather(*(editor.close() for editor in editors), return_exceptions=True)
        raise RuntimeError(f"the language server did not see a ready engine: {not_ready[0]}")
    return editors
