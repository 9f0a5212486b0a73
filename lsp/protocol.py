"""pygls protocol tweaks: codepal owns the text model, and protocol noise never pops up in the editor."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Coroutine, Generator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcRequestCancelled
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger(__name__)

# The client's `workDoneToken` of the `workspace/executeCommand` being handled (pygls passes a command
# handler its arguments only). Set like pygls' own request id: in the context the handler task copies.
WORK_DONE_TOKEN: ContextVar[types.ProgressToken | None] = ContextVar("codepal_work_done_token", default=None)


_POSITION = {"line": 0, "character": 0}
_DOC = {"uri": "file:///codepal-warm-up"}
# Messages of the typing path: cattrs builds a type's (de)serialiser on its first use, which cost the
# first didChange and the first inline completion of a session about 5 ms each.
_WARM_UP: tuple[tuple[str, dict[str, Any]], ...] = (
    (types.TEXT_DOCUMENT_DID_OPEN, {"textDocument": {**_DOC, "languageId": "python", "version": 1, "text": ""}}),
    (types.TEXT_DOCUMENT_DID_CHANGE, {"textDocument": {**_DOC, "version": 2}, "contentChanges": [
        {"range": {"start": _POSITION, "end": _POSITION}, "text": ""}, {"text": ""}]}),
    (types.TEXT_DOCUMENT_INLINE_COMPLETION, {"textDocument": _DOC, "position": _POSITION,
                                             "context": {"triggerKind": 1}}),
    (types.TEXT_DOCUMENT_COMPLETION, {"textDocument": _DOC, "position": _POSITION}),
)
_WARM_UP_RESULTS: dict[str, Any] = {
    types.TEXT_DOCUMENT_INLINE_COMPLETION: types.InlineCompletionList(items=[types.InlineCompletionItem(
        insert_text="", range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)))]),
    types.TEXT_DOCUMENT_COMPLETION: types.CompletionList(is_incomplete=True, items=[]),
}


# What `answer_when_done` leaves as its task's result: the answer is already sent.
_ANSWERED = object()


@dataclass
class _Unreadable:
    """A message whose params could not be read; a request among them still gets an answer."""

    jsonrpc: str
    id: Any
    method: str
    error: JsonRpcException


class CodepalProtocol(LanguageServerProtocol):
    """Every request gets an answer, and text sync goes to codepal's DocumentStore only.

    pygls drops a request whose params do not deserialize (the client waits forever) and ignores
    requests after `shutdown`; both get a JSON-RPC error here instead.

    pygls' own workspace would keep a second copy of every document and split lines with
    `str.splitlines()` (which diverges from the editor on form feed, `\\x85`, `\\u2028`), and it
    raises on a change for a document that was never opened.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" not in data:
            return data  # a nested object (json.loads calls this for each): as pygls returns it
        if data.get("method") == types.TEXT_DOCUMENT_INLINE_COMPLETION and (request := _inline_request(data)):
            return request
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "method" in data:
                return _Unreadable(str(data.get("jsonrpc")), data.get("id"), str(data["method"]), exc)
            raise

    def warm_up(self) -> None:
        """Build the typing path's (de)serialisers now, before the editor's first keystroke."""
        try:
            for index, (method, params) in enumerate(_WARM_UP):
                message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
                if method in _WARM_UP_RESULTS:
                    message["id"] = -1 - index
                    response = self.get_result_type(method)
                    if response is not None:
                        json.dumps(response(id=-1, result=_WARM_UP_RESULTS[method]), default=self._serialize_message)
                self.structure_message(message)
        except Exception as exc:  # only a slower first request: never a reason to fail
            log.debug("converter warm-up failed: %s", exc)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Unreadable):
            if message.id is not None:  # a notification with bad params is only logged
                message.error.message = f"invalid params for {message.method}"
                self._send_response(message.id, None, message.error.to_response_error())
            else:
                log.info("dropped a %s notification with invalid params", message.method)
            return
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and getattr(message, "id", None) is not None:
            error = JsonRpcInvalidRequest(f"the server is shutting down; {method} was not run")
            self._send_response(message.id, None, error.to_response_error())
            return
        if self._shutdown or getattr(message, "jsonrpc", None) != JsonRPCProtocol.VERSION:
            super().handle_message(message)  # pygls' warnings
            return
        # pygls tells a request from a notification by `isinstance` against runtime-checkable Protocols,
        # which test the same attributes as here, only slower: about 0.1 ms a message on a process that
        # was idle, on the keystroke path. Responses and errors (rare) still go through pygls.
        if method is not None and hasattr(message, "params"):
            context = contextvars.copy_context()  # each handler in its own context, as in pygls
            if hasattr(message, "id"):
                context.run(self._handle_request, message.id, method, message.params)
            else:
                context.run(self._handle_notification, method, message.params)
            return
        super().handle_message(message)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        """A coroutine feature (inline completion) sends its answer from its own task as it returns,
        not from the task's done-callback one event-loop iteration later, as pygls does; everything
        else (builtins, errors, cancelling) is pygls'."""
        handler = self.fm.features.get(method_name)
        if handler is None or method_name in self.fm.builtin_features or not _is_coroutine(handler):
            super()._handle_request(msg_id, method_name, params)
            return
        self._ctx_msg_id.set(msg_id)
        task = asyncio.ensure_future(self.answer_when_done(msg_id, handler(params)))
        self._request_futures[msg_id] = task  # type: ignore[assignment]  # (pygls stores its tasks here too)
        task.add_done_callback(partial(self._send_handler_result, msg_id=msg_id))

    async def answer_when_done(self, msg_id: Any, handling: Coroutine[Any, Any, Any]) -> object:
        result = await handling
        self._request_futures.pop(msg_id, None)
        self._send_response(msg_id, result)
        return _ANSWERED

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        # The inline completion answer, the same JSON pygls writes, without cattrs: its unstructuring
        # cost about 0.1 ms of an answer's way out on a process that was idle.
        if error is None and type(result) is types.InlineCompletionList:
            items = _inline_items(result)
            if items is not None:
                self._result_types.pop(msg_id, None)
                self._send_data({"id": msg_id, "jsonrpc": JsonRPCProtocol.VERSION, "result": {"items": items}})
                return
        super()._send_response(msg_id, result, error)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams) -> Generator[Any, Any, Any]:
        WORK_DONE_TOKEN.set(params.work_done_token)
        return (yield from super().lsp_workspace__execute_command(params))

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """A running command is cancelled here (pygls only cancels requests that have not started); the
        command answers -32800 itself once its model stream is closed."""
        tasks = getattr(self._server, "tasks", None)
        if tasks is not None and tasks.cancel(msg_id):
            return
        super()._handle_cancel_notification(msg_id)

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        if future.done() and not future.cancelled() and future.exception() is None and future.result() is _ANSWERED:
            self._request_futures.pop(msg_id, None)
            return
        # A cancelled command answers -32800 like any cancelled request: not logged as a server error.
        if future.done() and not future.cancelled() and isinstance(future.exception(), JsonRpcRequestCancelled):
            self._request_futures.pop(msg_id, None)
            self._send_response(msg_id, error=future.exception().to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    def _handle_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        # The client's answer to a request of ours that was given up (its command was cancelled while
        # waiting for it): pygls would raise InvalidStateError on it.
        future = self._request_futures.get(msg_id)
        if future is not None and future.cancelled():
            self._request_futures.pop(msg_id, None)
            log.debug("dropped the answer to cancelled request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' own cancels the requests still running while iterating the dict that their callbacks
        change (RuntimeError whenever an explain or fix is in flight); this iterates a copy."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None


_COROUTINE_HANDLERS: dict[Any, bool] = {}


def _is_coroutine(handler: Any) -> bool:
    known = _COROUTINE_HANDLERS.get(handler)
    if known is None:
        known = _COROUTINE_HANDLERS[handler] = asyncio.iscoroutinefunction(handler)
    return known


def _position(position: types.Position) -> dict[str, int] | None:
    line, character = position.line, position.character
    return {"line": line, "character": character} if type(line) is int and type(character) is int else None


def _inline_items(answer: types.InlineCompletionList) -> list[dict[str, Any]] | None:
    """The items as cattrs unstructures them, for the fields the inline handler sets (text and range);
    None for any other shape (the converter then does it)."""
    items: list[dict[str, Any]] = []
    for item in answer.items:
        if (type(item) is not types.InlineCompletionItem or type(item.insert_text) is not str
                or item.filter_text is not None or item.command is not None or item.range is None):
            return None
        start, end = _position(item.range.start), _position(item.range.end)
        if start is None or end is None:
            return None
        items.append({"insertText": item.insert_text, "range": {"start": start, "end": end}})
    return items


_UINTEGER_MAX = 2**31 - 1  # lsprotocol's `uinteger`
_INLINE_REQUEST_KEYS = {"jsonrpc", "id", "method", "params"}
_INLINE_PARAMS_KEYS = {"textDocument", "position", "context"}
_POSITION_KEYS = {"line", "character"}


def _inline_request(data: dict[str, Any]) -> types.InlineCompletionRequest | None:
    """The inline completion request cattrs builds from `data`, for the shape editors send on every
    keystroke (cattrs' structuring cost about 0.05 ms of it on a process that was idle); None for any
    other shape (optional fields, other types, values out of range), which cattrs reads, errors included."""
    msg_id, params = data.get("id"), data.get("params")
    if (data.keys() != _INLINE_REQUEST_KEYS or data["jsonrpc"] != JsonRPCProtocol.VERSION
            or type(params) is not dict or params.keys() != _INLINE_PARAMS_KEYS):
        return None
    if type(msg_id) is not int and type(msg_id) is not str:  # (not a bool, a float, None)
        return None
    document, position, context = params["textDocument"], params["position"], params["context"]
    if type(document) is not dict or document.keys() != {"uri"} or type(uri := document["uri"]) is not str:
        return None
    if type(position) is not dict or position.keys() != _POSITION_KEYS:
        return None
    line, character = position["line"], position["character"]
    if type(line) is not int or type(character) is not int or not (0 <= line <= _UINTEGER_MAX
                                                                   and 0 <= character <= _UINTEGER_MAX):
        return None
    if type(context) is not dict or context.keys() != {"triggerKind"}:
        return None
    kind = context["triggerKind"]
    if type(kind) is not int:
        return None
    if kind not in (types.InlineCompletionTriggerKind.Invoked, types.InlineCompletionTriggerKind.Automatic):
        return None
    return types.InlineCompletionRequest(id=msg_id, params=types.InlineCompletionParams(
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind(kind)),
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character)))
