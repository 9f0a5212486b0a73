"""Protocol abuse on the real `codepal lsp` over stdio: after each, the server is alive, the next request
answers in < 50 ms, the document is what the LSP rules say, and nothing pops up in the editor."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
import pytest_asyncio

from tests.reliability.peer import LspPeer, percentile
from tests.support.socket_guard import SocketGuard

pytestmark = [pytest.mark.reliability, pytest.mark.asyncio(loop_scope="module")]
Figure = Callable[[str], None]
NEXT_MS = 50


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory, socket_guard: SocketGuard) -> AsyncIterator[LspPeer]:
    """One server for the whole module: the abuse accumulates, as it would in a long editing session."""
    base = tmp_path_factory.mktemp("abuse")
    env = socket_guard.env()
    env.update({"CODEPAL_STATE_DIR": str(base / "state"), "CODEPAL_CONFIG_FILE": str(base / "none.toml"),
                "CODEPAL_CACHE_DIR": str(base / "cache")})
    peer = await LspPeer(env, base / "lsp.log").start()
    await peer.initialize_with()
    yield peer
    assert peer.show_messages() == [], peer.show_messages()
    await peer.close()


async def next_request_ms(server: LspPeer) -> float:
    """Time of a cheap request right after the abuse (which it queues behind)."""
    response, ms = await server.timed_request("workspace/executeCommand",
                                              {"command": "codepal.status", "arguments": []})
    assert "result" in response, response
    assert server.proc is not None and server.proc.returncode is None
    return ms


async def state_of(server: LspPeer, uri: str) -> dict[str, Any] | None:
    return await server.command("codepal.documentState", uri)  # type: ignore[no-any-return]


def digest(text: str) -> dict[str, Any]:
    return {"length": len(text), "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()}


def change(server: LspPeer, uri: str, version: int, *edits: tuple[tuple[int, int], tuple[int, int], str]) -> None:
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
        {"range": {"start": {"line": a[0], "character": a[1]}, "end": {"line": b[0], "character": b[1]}},
         "text": text} for a, b, text in edits]})


GARBAGE: dict[str, bytes] = {
    "truncated JSON": b'{"jsonrpc": "2.0", "id": 900, "method": "initialize", "par',
    "binary body": bytes(range(256)),
    "invalid UTF-8 in a string": b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": "\xff\xfe"}',
    "JSON array": b"[1, 2, 3]",
    "JSON string": b'"hello"',
    "empty object": b"{}",
    "null": b"null",
    "id without method": b'{"jsonrpc": "2.0", "id": 901}',
    "result for no request": b'{"jsonrpc": "2.0", "id": 902, "result": 5}',
    "deeply nested": b'{"a":' * 5000 + b"1" + b"}" * 5000,
}


@pytest.mark.parametrize("name", list(GARBAGE))
async def test_bad_json(server: LspPeer, name: str, figure: Figure) -> None:
    before = len(server.messages)
    server.send_bytes(GARBAGE[name])
    ms = await next_request_ms(server)
    answers = [m for m in server.messages[before:] if m.get("id") in (900, 901, 902)]
    figure(f"{name}: alive, next request {ms:.1f} ms, {len(answers)} replies to it")
    assert ms < NEXT_MS


async def test_unknown_methods(server: LspPeer, figure: Figure) -> None:
    server.notify("foo/bar", {"x": 1})
    server.notify("$/unknownNotification", None)
    response = await server.request("codepal/doesNotExist", {"x": 1})
    command = await server.request("workspace/executeCommand", {"command": "codepal.noSuchCommand", "arguments": []})
    ms = await next_request_ms(server)
    figure(f"unknown request -> {response.get('error', {}).get('code')}, unknown command -> "
           f"{command.get('error', {}).get('code')}, unknown notifications ignored; next request {ms:.1f} ms")
    assert response["error"]["code"] == -32601
    assert "error" in command
    assert ms < NEXT_MS


INVALID_PARAMS: dict[str, tuple[str, Any]] = {
    "completion without params": ("textDocument/completion", None),
    "inline completion, position a string": ("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///a"},
                                                                              "position": "here"}),
    "negative line": ("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///a"},
                                                       "position": {"line": -1, "character": 0}}),
    "character past 2^31": ("textDocument/completion", {"textDocument": {"uri": "file:///a"},
                                                         "position": {"line": 0, "character": 2**40}}),
    "command a number": ("workspace/executeCommand", {"command": 5}),
    "params a list": ("textDocument/inlineCompletion", [1, 2]),
}


@pytest.mark.parametrize("name", list(INVALID_PARAMS))
async def test_invalid_params_get_32602(server: LspPeer, name: str, figure: Figure) -> None:
    method, params = INVALID_PARAMS[name]
    response, ms = await server.timed_request(method, params)
    following = await next_request_ms(server)
    code = response.get("error", {}).get("code")
    figure(f"{name}: {code} in {ms:.1f} ms, next request {following:.1f} ms")
    assert code == -32602, response
    assert following < NEXT_MS


async def test_notifications_with_invalid_params_are_dropped_quietly(server: LspPeer, figure: Figure) -> None:
    before = len(server.messages)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
    server.notify("textDocument/didChange", {"textDocument": {"uri": "file:///x"}, "contentChanges": "all"})
    server.notify("workspace/didChangeConfiguration", None)
    ms = await next_request_ms(server)
    replies = [m for m in server.messages[before:] if "method" not in m and m.get("id") is None]
    figure(f"3 notifications with invalid params: {len(replies)} replies, next request {ms:.1f} ms")
    assert replies == [] and ms < NEXT_MS


async def test_change_before_open(server: LspPeer, figure: Figure) -> None:
    change(server, "file:///never-opened.py", 2, ((0, 0), (0, 0), "x"))
    server.notify("textDocument/didClose", {"textDocument": {"uri": "file:///never-opened.py"}})
    ms = await next_request_ms(server)
    state = await state_of(server, "file:///never-opened.py")
    items, completion_ms = await server.inline("file:///never-opened.py", 0, 0)
    figure(f"didChange/didClose before didOpen: ignored (state {state}), next request {ms:.1f} ms, "
           f"completion on it {completion_ms:.1f} ms -> {items}")
    assert state is None and items == [] and ms < NEXT_MS


EDGE_EDITS: dict[str, tuple[str, tuple[tuple[int, int], tuple[int, int], str], str]] = {
    # name: (text, (start, end, new text), expected text); LSP: a position past a line's end means its end
    "range past the end of a line": ("abc\ndef\n", ((0, 99), (1, 1), "X"), "abcXef\n"),
    "range past the end of the document": ("abc\ndef", ((5, 0), (9, 3), "X"), "abc\ndefX"),
    "inverted range": ("abc\ndef", ((1, 2), (0, 1), "X"), "aXf"),
    "start inside a surrogate pair": ("a😋b", ((0, 2), (0, 2), "X"), "aX😋b"),
    "end inside a surrogate pair": ("a😋b", ((0, 0), (0, 2), "X"), "X😋b"),
    "position inside CRLF": ("ab\r\ncd", ((0, 3), (0, 3), "X"), "abX\r\ncd"),
    "combining mark split": ("e\u0301x", ((0, 1), (0, 2), ""), "ex"),
}


@pytest.mark.parametrize("name", list(EDGE_EDITS))
async def test_edge_ranges(server: LspPeer, name: str, figure: Figure) -> None:
    text, edit, expected = EDGE_EDITS[name]
    uri = f"file:///edge-{list(EDGE_EDITS).index(name)}.py"
    server.open(uri, text)
    change(server, uri, 2, edit)
    ms = await next_request_ms(server)
    state = await state_of(server, uri)
    line, character = edit[0]
    items, completion_ms = await server.inline(uri, line, character)
    figure(f"{name}: document as expected, next request {ms:.1f} ms, completion there {completion_ms:.1f} ms")
    assert state is not None
    assert {"length": state["length"], "sha256": state["sha256"]} == digest(expected)
    assert state["version"] == 2 and items == [] and ms < NEXT_MS


async def test_ten_megabyte_document(server: LspPeer, figure: Figure) -> None:
    line = "value_{:07d} = compute(value, 'padding padding padding padding')\n"
    text = "".join(line.format(i) for i in range(10 * 1024 * 1024 // len(line.format(0)) + 1))
    uri = "file:///huge.py"
    started = time.monotonic()
    server.open(uri, text)
    state = await state_of(server, uri)
    opened_ms = (time.monotonic() - started) * 1000
    timings = []
    for number in range(20):  # typing at the end, then in the middle
        at = (text.count("\n"), 0) if number < 10 else (text.count("\n") // 2, 3)
        started = time.monotonic()
        change(server, uri, 2 + number, (at, at, "x"))
        timings.append(await next_request_ms(server))
    _, completion_ms = await server.inline(uri, text.count("\n") // 2, 5)
    ms = await next_request_ms(server)
    final = await state_of(server, uri)
    figure(f"{len(text) / 1e6:.1f} MB document: open + state {opened_ms:.0f} ms; 20 edits, request after each "
           f"p50 {percentile(timings, 50):.1f} ms, max {max(timings):.1f} ms; completion {completion_ms:.1f} ms; "
           f"next request {ms:.1f} ms")
    assert state is not None and state["length"] == len(text)
    assert final is not None and final["length"] == len(text) + 20 and final["version"] == 21
    # Each edit copies the text (immutable snapshots): ~5 ms at 10 MB on an idle machine, more when loaded.
    assert percentile(timings, 50) < NEXT_MS and ms < NEXT_MS


async def test_binary_content(server: LspPeer, figure: Figure) -> None:
    text = "".join(map(chr, range(32))) + "\x7f\ufffe\uffff\U0010ffff" + "\ud800" + "tail"
    uri = "file:///binary.bin"
    # json.dumps writes the lone surrogate as the escape \ud800, which JSON allows.
    server.open(uri, text, language="plaintext")
    change(server, uri, 2, ((0, 3), (0, 3), "\udfff\x00"))
    ms = await next_request_ms(server)
    state = await state_of(server, uri)
    items, completion_ms = await server.inline(uri, 0, 10)
    server.open("file:///binary.py", "\x00" * 1000 + "def f(", language="python")
    items_py, completion_py_ms = await server.inline("file:///binary.py", 0, 1006)
    figure(f"binary content (controls, NUL, lone surrogates, U+FFFF): kept exactly, next request {ms:.1f} ms, "
           f"completions {completion_ms:.1f} / {completion_py_ms:.1f} ms, empty")
    expected = text[:3] + "\udfff\x00" + text[3:]
    assert state is not None and {"length": state["length"], "sha256": state["sha256"]} == digest(expected)
    assert items == [] and items_py == [] and ms < NEXT_MS


async def test_no_popups_from_protocol_noise(server: LspPeer, figure: Figure) -> None:
    shown = server.show_messages()
    logs = [m for m in server.messages if m.get("method") == "window/logMessage"]
    figure(f"after all the abuse: {len(shown)} window/showMessage, {len(logs)} window/logMessage, "
           f"{len(server.messages)} messages from the server")
    assert shown == []


# -- shutdown and exit (a server each) --------------------------------------------------------------

async def _start(tmp_path: Path, socket_guard: SocketGuard, **extra: str) -> LspPeer:
    env = socket_guard.env()
    env.update({"CODEPAL_STATE_DIR": str(tmp_path / "state"), "CODEPAL_CONFIG_FILE": str(tmp_path / "none.toml"),
                "CODEPAL_CACHE_DIR": str(tmp_path / "cache"), **extra})
    return await LspPeer(env, tmp_path / "lsp.log").start()


async def _exit_ms(peer: LspPeer, how: str = "exit") -> float:
    """Time until the process is gone after `exit` (or after its stdin closes: the editor went away)."""
    assert peer.proc is not None and peer.proc.stdin is not None
    started = time.monotonic()
    if how == "stdin-closed":
        peer.proc.stdin.close()
    else:
        peer.notify("exit")
    try:
        await asyncio.wait_for(peer.proc.wait(), 10)
    except TimeoutError:
        pass
    return (time.monotonic() - started) * 1000


@pytest.mark.asyncio(loop_scope="function")
async def test_requests_after_shutdown_get_an_error_and_exit_is_prompt(
        tmp_path: Path, socket_guard: SocketGuard, figure: Figure) -> None:
    peer = await _start(tmp_path, socket_guard)
    await peer.initialize_with()
    peer.open("file:///a.py", "x = 1\n")
    shutdown = await peer.request("shutdown", None)
    assert shutdown.get("result", "missing") is None, shutdown
    after = [await peer.request("workspace/executeCommand", {"command": "codepal.status", "arguments": []}),
             await peer.request("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///a.py"},
                                                                  "position": {"line": 0, "character": 0},
                                                                  "context": {"triggerKind": 2}}),
             await peer.request("shutdown", None)]
    children = peer.descendants()
    ms = await _exit_ms(peer)
    assert peer.proc is not None
    figure(f"3 requests after shutdown -> {[r.get('error', {}).get('code') for r in after]}; exit ended the "
           f"process in {ms:.0f} ms with code {peer.proc.returncode}; {len(children)} child processes")
    assert all("error" in r for r in after)
    assert ms < 2000 and peer.proc.returncode == 0
    assert children == []
    await peer.close()


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize("how", ["shutdown-exit", "exit-only", "stdin-closed"])
async def test_exit_with_an_owned_engine_leaves_no_process(
        tmp_path: Path, socket_guard: SocketGuard, fake_vllm: Any, how: str, figure: Figure) -> None:
    """`codepal lsp` with autostart owns its engine: a stand-in for vLLM with a child of its own that,
    unlike vLLM's engine core, does not die with its parent, so only a process-group kill ends it."""
    peer = await _start(tmp_path, socket_guard, PYTHONPATH=os.pathsep.join([str(fake_vllm.pythonpath),
                                                                            socket_guard.env()["PYTHONPATH"]]),
                        FAKE_VLLM_PIDS=str(fake_vllm.pids_file))
    await peer.initialize_with({"engine": {"autostart": True, "model": str(fake_vllm.model_dir),
                                           "start_timeout_s": 60}})
    status = await peer.wait_state("ready", timeout=60)
    tree = peer.descendants()
    launched = fake_vllm.launches()
    assert status["owned"] and len(launched) == 1 and len(tree) >= 2
    if how == "shutdown-exit":
        await peer.request("shutdown", None, timeout=15)
    ms = await _exit_ms(peer, how)
    await asyncio.sleep(0.5)
    left = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert peer.proc is not None
    figure(f"{how}: process ended in {ms:.0f} ms (code {peer.proc.returncode}); {len(tree)} descendants "
           f"before (engine + its child), {len(left)} left after")
    for proc in left:
        proc.kill()
    assert ms < 2000
    assert left == []
    await peer.close()
