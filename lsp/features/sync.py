"""Document sync into codepal's own text model (incremental; positions in the negotiated encoding)."""

from __future__ import annotations

import logging

from lsprotocol import types

from codepal.errors import InvalidInput
from codepal.text.store import TextChange
from codepal.types import CompletionRequest

from ..convert import completion_request
from ..server import CodepalServer

log = logging.getLogger(__name__)


def register(server: CodepalServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CodepalServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.documents.open(doc.uri, doc.language_id, doc.version, doc.text)
        ls.touch(doc.uri)
        warm(ls, doc.uri, opened=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CodepalServer, params: types.DidChangeTextDocumentParams) -> None:
        changes = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                changes.append(TextChange(change.text, (start.line, start.character), (end.line, end.character)))
            else:
                changes.append(TextChange(change.text))
        try:
            ls.documents.change(params.text_document.uri, params.text_document.version, changes, ls.encoding)
        except InvalidInput as exc:
            log.info("ignored change: %s", exc)  # a change before didOpen: nothing to apply it to
            return
        ls.touch(params.text_document.uri)
        warm(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodepalServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        if ls.assistant is not None:
            ls.assistant.document_closed(params.text_document.uri)
        if params.text_document.uri in ls.recent:
            ls.recent.remove(params.text_document.uri)


def warm(ls: CodepalServer, uri: str, opened: bool = False) -> None:
    """Let the core warm the engine's prefix cache with the document (it reads it when it does)."""
    if ls.assistant is None:
        return

    def snapshot() -> CompletionRequest | None:
        doc = ls.documents.get(uri)
        return None if doc is None else completion_request(ls, doc, len(doc.text))

    ls.assistant.document_changed(uri, snapshot, opened)
