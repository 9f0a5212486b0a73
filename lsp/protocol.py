"""pygls protocol tweaks: codepal owns the text model, and protocol noise never pops up in the editor."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

from dataclasses import dataclass

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger(__name__)


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
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "method" in data:
                return _Unreadable(str(data.get("jsonrpc")), data.get("id"), str(data["method"]), exc)
            raise

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
        super().handle_message(message)

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
