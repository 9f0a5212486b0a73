"""The server over raw stdio with no engine: fast, empty, and never silent on bad params."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from codepal.jsonrpc import frame
from tests.support.raw_lsp import RawLsp


@pytest.fixture
async def raw(tmp_path: Path) -> RawLsp:
    env = dict(os.environ, CODEPAL_STATE_DIR=str(tmp_path / "no-engine"))
    server = await RawLsp(env).start()
    yield server  # type: ignore[misc]
    await server.close()


async def test_initialize_is_fast_and_advertises_the_features(raw: RawLsp) -> None:
    started = time.monotonic()
    response = await raw.initialize()
    took = (time.monotonic() - started) * 1000
    caps = response["result"]["capabilities"]
    print(f"initialize answered {took:.0f} ms after the process started")
    assert "inlineCompletionProvider" in caps and "completionProvider" in caps
    assert caps["textDocumentSync"]["change"] == 2  # incremental
    assert caps["positionEncoding"] == "utf-16"


async def test_utf8_is_chosen_when_the_client_offers_it(raw: RawLsp) -> None:
    response = await raw.request("initialize", {"processId": None, "rootUri": None, "capabilities": {
        "general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    assert response["result"]["capabilities"]["positionEncoding"] == "utf-8"


async def test_no_engine_means_empty_answers_fast(raw: RawLsp) -> None:
    await raw.initialize()
    raw.notify("textDocument/didOpen", {"textDocument": {
        "uri": "file:///a.py", "languageId": "python", "version": 1, "text": "def f(x):\n    "}})
    timings = []
    for _ in range(20):
        response, ms = await raw.timed_request("textDocument/inlineCompletion", {
            "textDocument": {"uri": "file:///a.py"}, "position": {"line": 1, "character": 4},
            "context": {"triggerKind": 2}})
        assert response["result"]["items"] == []
        timings.append(ms)
    timings.sort()
    print(f"no engine: inline completion median {timings[10]:.1f} ms, max {timings[-1]:.1f} ms")
    assert timings[10] < 50


async def test_invalid_params_get_32602(raw: RawLsp) -> None:
    await raw.initialize()
    response = await raw.request("textDocument/completion", {"textDocument": 5})
    assert response["error"]["code"] == -32602
    response = await raw.request("textDocument/inlineCompletion", {"position": "nowhere"})
    assert response["error"]["code"] == -32602
    status = await raw.request("workspace/executeCommand", {"command": "codepal.status", "arguments": []})
    assert status["result"]["state"] in ("stopped", "degraded")
    assert raw.show_messages() == []


async def test_a_bad_option_is_one_warning_and_the_rest_applies(raw: RawLsp) -> None:
    await raw.initialize({"completion": {"debounce_ms": -5, "enabled": False}})
    raw.notify("textDocument/didOpen", {"textDocument": {
        "uri": "file:///b.py", "languageId": "python", "version": 1, "text": "x = "}})
    await raw.request("workspace/executeCommand", {"command": "codepal.status", "arguments": []})
    warnings = raw.show_messages()
    assert len(warnings) == 1
    assert "completion.debounce_ms" in warnings[0]["params"]["message"]
    raw.notify("workspace/didChangeConfiguration", {"settings": {"codepal": {"completion": {"deadline_ms": 9}}}})
    await raw.request("workspace/executeCommand", {"command": "codepal.status", "arguments": []})
    assert len(raw.show_messages()) == 2 and "deadline_ms" in raw.show_messages()[1]["params"]["message"]


async def test_messages_in_any_chunking_and_an_overlong_header_line(raw: RawLsp) -> None:
    # stdin is read on the event loop (lsp/stdio.py): a message may arrive a byte at a time, several in
    # one read, and a header line longer than the reader's limit is dropped like any unknown header.
    await raw.initialize()
    raw.write_bytes(b"X-Junk: " + b"j" * 200_000 + b"\r\n")
    body = json.dumps({"jsonrpc": "2.0", "id": "slow", "method": "workspace/executeCommand",
                       "params": {"command": "codepal.status", "arguments": []}}).encode()
    for byte in frame(body):
        raw.write_bytes(bytes([byte]))
    pending = [raw.send("workspace/executeCommand", {"command": "codepal.status", "arguments": []})
               for _ in range(3)]  # three in one write, most likely one read
    answers = [await asyncio.wait_for(p.future, 10) for p in pending]
    assert all(answer["result"]["state"] in ("stopped", "degraded") for answer in answers)
    await asyncio.sleep(0.2)
    assert [m for m in raw.messages if m.get("id") == "slow" and "result" in m]


async def test_stdin_closed_mid_message_ends_the_server(raw: RawLsp) -> None:
    await raw.initialize()
    raw.write_bytes(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"")
    assert raw.proc is not None and raw.proc.stdin is not None
    raw.proc.stdin.close()
    assert await asyncio.wait_for(raw.proc.wait(), 10) is not None
