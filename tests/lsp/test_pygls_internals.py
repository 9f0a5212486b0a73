"""The pygls internals `lsp/protocol.py` overrides or reads still exist, with the shapes and behaviour it assumes.

pygls is pinned to one minor version (pyproject.toml); this is what fails first when that pin moves.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled
from pygls.io_ import run_async
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

import codepal_lsp.protocol
from codepal_lsp import stdio
from codepal_lsp.protocol import CodepalProtocol
from codepal_lsp.server import CodepalServer, create_server
from codepal_lsp.stdio import MessageReader

PINNED_MINOR = (2, 1)
# name → the parameters (name, kind, default) protocol.py calls or overrides it with; `self` left out.
POS, KW = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
EMPTY = inspect.Parameter.empty
SIGNATURES: dict[str, list[tuple[str, Any, Any]]] = {
    "structure_message": [("data", POS, EMPTY)],
    "handle_message": [("message", POS, EMPTY)],
    "_send_response": [("msg_id", POS, EMPTY), ("result", POS, None), ("error", POS, None)],
    "_handle_cancel_notification": [("msg_id", POS, EMPTY)],
    "_send_handler_result": [("future", POS, EMPTY), ("msg_id", KW, EMPTY)],
    "_handle_response": [("msg_id", POS, EMPTY), ("result", POS, None), ("error", POS, None)],
    "_serialize_message": [("data", POS, EMPTY)],  # warm_up serialises a sample answer as pygls does
    "_handle_request": [("msg_id", POS, EMPTY), ("method_name", POS, EMPTY), ("params", POS, EMPTY)],
    "_handle_notification": [("method_name", POS, EMPTY), ("params", POS, EMPTY)],
    "_send_data": [("data", POS, EMPTY)],
}
# The builtin LSP methods CodepalProtocol replaces: same attribute name (so it overrides, not adds) and method.
BUILTINS = {
    "lsp_text_document__did_open": types.TEXT_DOCUMENT_DID_OPEN,
    "lsp_text_document__did_change": types.TEXT_DOCUMENT_DID_CHANGE,
    "lsp_text_document__did_close": types.TEXT_DOCUMENT_DID_CLOSE,
    "lsp_workspace__execute_command": types.WORKSPACE_EXECUTE_COMMAND,
    "lsp_shutdown": types.SHUTDOWN,
}


ATTRIBUTES = {"_shutdown", "_request_futures", "_server", "_ctx_msg_id", "_result_types"}


def test_the_tables_cover_every_private_name_protocol_py_uses() -> None:
    """A new `self._x` or `super()._x` in protocol.py must be added here, with its check."""
    tree = ast.parse(Path(codepal_lsp.protocol.__file__).read_text(encoding="utf-8"))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("_")
            and not node.attr.startswith("__")}
    assert used == {name for name in SIGNATURES if name.startswith("_")} | ATTRIBUTES


def test_what_stdio_py_assumes_of_pygls_io() -> None:
    """lsp/stdio.py frames messages as pygls' `run_async` does, and stops as pygls does."""
    assert list(inspect.signature(run_async).parameters) == [
        "stop_event", "reader", "protocol", "logger", "error_handler"]
    assert MessageReader.__doc__ and stdio.CONTENT_LENGTH.pattern.decode() in inspect.getsource(run_async)
    server = create_server()
    server._stop_event = stop = threading.Event()
    server.shutdown()  # type: ignore[no-untyped-call]
    assert stop.is_set()


def _frame(body: bytes, *headers: bytes) -> bytes:
    return b"".join(headers) + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


# Messages and framing oddities: extra and unknown headers, a second Content-Length, a header without
# \r, a blank line before any length, a length of 0, bodies that are no JSON or no message.
_STREAM = b"".join([
    _frame(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}).encode()),
    _frame(b'{"jsonrpc": "2.0", "method": "$/x", "params": {}}', b"Content-Type: application/vscode-jsonrpc\r\n"),
    b"\r\n", b"X-Unknown: 1\n",
    _frame(b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}', b"Content-Length: 3\r\n"),
    b"Content-Length: 0\r\n\r\n",
    _frame(b"{not json"), _frame(b"[1, 2]"), _frame(b'"text"'),
    _frame("é".encode() + b'{"jsonrpc": "2.0"}'[1:]),
    _frame(json.dumps({"jsonrpc": "2.0", "id": 3, "method": types.TEXT_DOCUMENT_HOVER, "params": {}}).encode()),
    b"Content-Length: 1", b"0\r\n\r\n", b"[3, 4, 5]",
])


class _Ends:
    """pygls' reader interface over a stream, b"" at its end (as pygls' own stdin reader)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        return await self.stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def _pygls_reads(data: bytes, chunk: int) -> tuple[list[Any], list[str]]:
    handled: list[Any] = []
    errors: list[str] = []
    server = create_server()
    server.protocol.handle_message = handled.append  # type: ignore[method-assign]
    stream = asyncio.StreamReader()
    for at in range(0, len(data), chunk):
        stream.feed_data(data[at : at + chunk])
    stream.feed_eof()
    await run_async(stop_event=threading.Event(), reader=_Ends(stream), protocol=server.protocol,
                    error_handler=lambda exc, _: errors.append(type(exc).__name__))
    return handled, errors


async def _codepal_reads(data: bytes, chunk: int) -> tuple[list[Any], list[str]]:
    handled: list[Any] = []
    errors: list[str] = []
    server = create_server()
    server.protocol.handle_message = handled.append  # type: ignore[method-assign]
    reader = MessageReader(server.protocol, threading.Event(), lambda exc, _: errors.append(type(exc).__name__))
    for at in range(0, len(data), chunk):
        reader.data_received(data[at : at + chunk])
    reader.connection_lost(None)
    assert reader.ended.done()
    return handled, errors


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
async def test_messages_are_framed_as_pygls_frames_them(chunk: int) -> None:
    expected = await _pygls_reads(_STREAM, 1 << 20)
    assert len(expected[0]) == 5 and expected[1] == ["JSONDecodeError"] * 3
    assert await _codepal_reads(_STREAM, chunk) == expected


async def test_an_overlong_header_line_is_dropped_and_a_cut_message_ends_nothing_else() -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}).encode()
    for junk in (b"X-Junk: " + b"j" * 200_000 + b"\r\n", b"Content-Length: 2" + b"0" * 70_000 + b"\r\n\r\n"):
        for chunk in (1000, 1 << 20):
            handled, errors = await _codepal_reads(junk + _frame(body) + b"Content-Length: 99\r\n\r\n{", chunk)
            assert [m.id for m in handled] == [1] and errors == []


class Captured:
    """A transport writer that keeps what the protocol sends."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data))

    def close(self) -> None:
        pass


@pytest.fixture
def protocol() -> Iterator[tuple[CodepalProtocol, Captured]]:
    server = create_server()
    assert isinstance(server.protocol, CodepalProtocol)
    writer = Captured()
    server.protocol.set_writer(writer, include_headers=False)
    yield server.protocol, writer


def test_the_installed_pygls_is_the_pinned_minor() -> None:
    from importlib.metadata import version

    assert tuple(int(part) for part in version("pygls").split(".")[:2]) == PINNED_MINOR


@pytest.mark.parametrize("name", SIGNATURES)
def test_the_overridden_methods_have_the_expected_signatures(name: str) -> None:
    method = getattr(JsonRPCProtocol, name)
    params = list(inspect.signature(method).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in params] == SIGNATURES[name]


@pytest.mark.parametrize(("name", "method"), BUILTINS.items())
def test_the_replaced_builtins_keep_their_names_and_shape(name: str, method: str) -> None:
    base = getattr(LanguageServerProtocol, name)
    assert base.method_name == method and inspect.isgeneratorfunction(base)
    ours = CodepalProtocol.__dict__[name]
    assert ours.method_name == method and inspect.isgeneratorfunction(ours)
    decorated = lsp_method("x")(lambda: None)
    assert decorated.method_name == "x"  # type: ignore[attr-defined]


def test_the_read_attributes_exist_with_their_types(protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, _ = protocol
    assert proto._shutdown is False
    assert proto._request_futures == {}
    assert isinstance(proto._server, CodepalServer)
    assert proto._result_types == {} and proto._ctx_msg_id.get() is None
    assert isinstance(proto.fm.features, dict)
    assert isinstance(inspect.getattr_static(JsonRPCProtocol, "msg_id"), property) and proto.msg_id is None
    # Our builtin overrides are the ones pygls dispatches to.
    for name, method in BUILTINS.items():
        assert proto.fm.builtin_features[method].__func__ is CodepalProtocol.__dict__[name]
    report = list(inspect.signature(CodepalServer.report_server_error).parameters)
    assert report == ["self", "error", "source"]


def test_structure_message_raises_on_bad_params(protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, writer = protocol
    bad = {"jsonrpc": "2.0", "id": 1, "method": types.TEXT_DOCUMENT_HOVER, "params": {"position": "nowhere"}}
    with pytest.raises(JsonRpcInvalidParams):
        LanguageServerProtocol.structure_message(proto, bad)
    # … which protocol.py turns into an answer instead of pygls dropping the request.
    proto.handle_message(proto.structure_message(bad))
    assert writer.messages[-1]["id"] == 1 and writer.messages[-1]["error"]["code"] == -32602


def test_pygls_ignores_requests_after_shutdown_and_codepal_answers_them(
        protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, writer = protocol
    message = proto.structure_message({"jsonrpc": "2.0", "id": 7, "method": types.TEXT_DOCUMENT_HOVER,
                                       "params": {"textDocument": {"uri": "file:///x.py"},
                                                  "position": {"line": 0, "character": 0}}})
    proto._shutdown = True
    JsonRPCProtocol.handle_message(proto, message)
    assert writer.messages == []  # pygls: silence, the client would wait forever
    proto.handle_message(message)
    assert writer.messages[-1]["id"] == 7 and writer.messages[-1]["error"]["code"] == -32600


async def test_send_handler_result_answers_and_forgets_the_request(protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, writer = protocol
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    done.set_result({"ok": True})
    proto._request_futures[3] = done
    JsonRPCProtocol._send_handler_result(proto, done, msg_id=3)
    assert writer.messages[-1] == {"jsonrpc": "2.0", "id": 3, "result": {"ok": True}}
    assert 3 not in proto._request_futures
    cancelled: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    cancelled.set_exception(JsonRpcRequestCancelled("stop"))
    proto._send_handler_result(cancelled, msg_id=4)
    assert writer.messages[-1]["id"] == 4 and writer.messages[-1]["error"]["code"] == -32800


async def test_pygls_raises_on_an_answer_to_a_cancelled_request_and_codepal_drops_it(
        protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, _ = protocol
    loop = asyncio.get_running_loop()
    for handle, raises in ((JsonRPCProtocol._handle_response, True), (CodepalProtocol._handle_response, False)):
        future: asyncio.Future[Any] = loop.create_future()
        future.cancel()
        proto._request_futures["r"] = future
        if raises:
            with pytest.raises(asyncio.InvalidStateError):
                handle(proto, "r", {"applied": True})
        else:
            handle(proto, "r", {"applied": True})
        assert "r" not in proto._request_futures
    answered: asyncio.Future[Any] = loop.create_future()
    proto._request_futures["s"] = answered
    proto._handle_response("s", {"applied": True})
    assert answered.result() == {"applied": True}


async def test_pygls_cancels_only_requests_not_started(protocol: tuple[CodepalProtocol, Captured]) -> None:
    proto, _ = protocol
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    proto._request_futures[9] = future
    JsonRPCProtocol._handle_cancel_notification(proto, 9)
    assert future.cancelled() and 9 not in proto._request_futures


async def test_a_generator_builtin_runs_the_handler_it_yields(protocol: tuple[CodepalProtocol, Captured]) -> None:
    """protocol.py's builtins `yield handler, args, kwargs`; pygls runs it and sends the result back in."""
    proto, _ = protocol
    seen: list[Any] = []
    proto.fm.features[types.TEXT_DOCUMENT_DID_CLOSE] = lambda params: seen.append(params)
    params = types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri="file:///x.py"))
    proto._execute_handler("n", proto.lsp_text_document__did_close, callback=lambda future: None, args=(params,))
    assert seen == [params]


MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": types.SHUTDOWN},
    {"jsonrpc": "2.0", "id": 2, "method": types.TEXT_DOCUMENT_INLINE_COMPLETION, "params": {
        "textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0},
        "context": {"triggerKind": 1}}},
    {"jsonrpc": "2.0", "id": 3, "method": "codepal/unknown", "params": {}},
    {"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_DID_CLOSE, "params": {"textDocument": {"uri": "file:///x.py"}}},
    {"jsonrpc": "2.0", "method": "$/unknown", "params": None},
    {"jsonrpc": "2.0", "id": 4, "result": {"applied": True}},
]


@pytest.mark.parametrize("data", MESSAGES, ids=lambda data: str(data.get("method", "response")))
def test_codepal_tells_message_kinds_apart_as_pygls_protocols_do(
        protocol: tuple[CodepalProtocol, Captured], data: dict[str, Any]) -> None:
    """handle_message dispatches by the attributes pygls' runtime-checkable Protocols test (faster)."""
    from pygls.protocol.json_rpc import RPCNotification, RPCRequest

    proto, _ = protocol
    message = proto.structure_message(data)
    is_request = hasattr(message, "method") and hasattr(message, "params") and hasattr(message, "id")
    is_notification = hasattr(message, "method") and hasattr(message, "params") and not is_request
    assert isinstance(message, RPCRequest) is is_request
    assert (not isinstance(message, RPCRequest) and isinstance(message, RPCNotification)) is is_notification


async def test_a_coroutine_feature_answers_from_its_task(protocol: tuple[CodepalProtocol, Captured]) -> None:
    """Its answer is written as the handler returns (before the task's done-callbacks run); a handler
    that fails or is cancelled still gets pygls' error answers."""
    proto, writer = protocol
    outcome: dict[str, Any] = {}

    async def feature(params: Any) -> Any:
        await asyncio.sleep(0)
        if outcome.get("raise"):
            raise outcome["raise"]
        if outcome.get("hang"):
            await asyncio.Event().wait()
        return {"answered": True}

    proto.fm.features["codepal/test"] = feature
    message = {"jsonrpc": "2.0", "method": "codepal/test", "params": {}}
    proto.handle_message(proto.structure_message({**message, "id": 1}))
    task = proto._request_futures[1]
    seen_at_done: list[int] = []
    task.add_done_callback(lambda _: seen_at_done.append(len(writer.messages)))
    await asyncio.wait_for(asyncio.shield(task), 1)
    await asyncio.sleep(0)
    assert seen_at_done == [1] and writer.messages == [{"jsonrpc": "2.0", "id": 1, "result": {"answered": True}}]
    assert 1 not in proto._request_futures

    outcome["raise"] = ValueError("broken")
    proto.handle_message(proto.structure_message({**message, "id": 2}))
    await asyncio.sleep(0.05)
    assert writer.messages[-1]["id"] == 2 and writer.messages[-1]["error"]["code"] == -32603

    outcome.clear()
    outcome["hang"] = True
    proto.handle_message(proto.structure_message({**message, "id": 3}))
    await asyncio.sleep(0.01)
    proto.handle_message(proto.structure_message({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 3}}))
    await asyncio.sleep(0.05)
    assert writer.messages[-1]["id"] == 3 and writer.messages[-1]["error"]["code"] == -32800
    assert proto._request_futures == {}


def _range(line: int, character: int) -> types.Range:
    return types.Range(start=types.Position(line, character), end=types.Position(line, character))


@pytest.mark.parametrize("answer", [
    types.InlineCompletionList(items=[]),
    types.InlineCompletionList(items=[
        types.InlineCompletionItem(insert_text='a "quoted"\n\tü\x00', range=_range(3, 7))]),
    types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="x", range=_range(0, 0)),
                                      types.InlineCompletionItem(insert_text="", range=_range(9, 1))]),
    types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="x", filter_text="x")]),
    types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=types.StringValue("x${1}"))]),
])
def test_the_inline_answer_is_the_json_pygls_writes(protocol: tuple[CodepalProtocol, Captured],
                                                     answer: types.InlineCompletionList) -> None:
    proto, writer = protocol
    sent: list[bytes] = []
    writer.write = sent.append  # type: ignore[method-assign]
    JsonRPCProtocol._send_response(proto, 5, answer)
    proto._send_response(5, answer)
    assert len(sent) == 2 and sent[0] == sent[1]


_INLINE = {"jsonrpc": "2.0", "id": 9, "method": types.TEXT_DOCUMENT_INLINE_COMPLETION, "params": {
    "textDocument": {"uri": "file:///x.py"}, "position": {"line": 3, "character": 4}, "context": {"triggerKind": 2}}}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(_INLINE))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


_FAST = [_INLINE, _with(("id",), "abc"), _with(("params", "context", "triggerKind"), 1),
         _with(("params", "position", "line"), 2**31 - 1)]
# Shapes left to cattrs: optional fields, other types, out of range, unknown keys.
_LEFT_TO_CATTRS = [
    _with(("id",), None), _with(("id",), 1.5), _with(("id",), True), _with(("jsonrpc",), "1.0"),
    _with(("params", "workDoneToken"), "t"), _with(("params", "context", "selectedCompletionInfo"), {
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": "x"}),
    _with(("params", "position", "line"), -1), _with(("params", "position", "character"), 2**31),
    _with(("params", "position", "line"), "3"), _with(("params", "position", "line"), 3.0),
    _with(("params", "context", "triggerKind"), 3), _with(("params", "context", "triggerKind"), False),
    _with(("params", "textDocument", "uri"), 7), _with(("params", "textDocument", "version"), 1),
    _with(("params", "context"), None), _with(("params",), None), _with(("extra",), 1),
]


@pytest.mark.parametrize(("data", "fast"), [(data, True) for data in _FAST]
                         + [(data, False) for data in _LEFT_TO_CATTRS],
                         ids=lambda value: json.dumps(value)[60:140] if isinstance(value, dict) else str(value))
def test_inline_requests_are_read_as_cattrs_reads_them(protocol: tuple[CodepalProtocol, Captured],
                                                       data: dict[str, Any], fast: bool) -> None:
    proto, _ = protocol
    try:
        expected: Any = LanguageServerProtocol.structure_message(proto, json.loads(json.dumps(data)))
    except Exception as exc:
        expected = type(exc)
    read = proto.structure_message(json.loads(json.dumps(data)))
    if isinstance(expected, type):
        assert type(read).__name__ == "_Unreadable" and isinstance(read.error, expected)
    else:
        assert read == expected and type(read) is type(expected)
    assert (codepal_lsp.protocol._inline_request(data) is not None) is fast
