"""Protocol positions ↔ core offsets and requests (the only place that knows both)."""

from __future__ import annotations

from lsprotocol import types

from codepal.text.document import TextDocument
from codepal.types import CompletionRequest, OpenDocument

from .server import CodepalServer


def offset_of(ls: CodepalServer, doc: TextDocument, position: types.Position) -> int:
    """Clamped: a position past the end of a line or document lands at its end."""
    return doc.offset_at(max(0, position.line), max(0, position.character), ls.encoding)


def position_of(ls: CodepalServer, doc: TextDocument, offset: int) -> types.Position:
    line, character = doc.position_at(offset, ls.encoding)
    return types.Position(line=line, character=character)


def range_of(ls: CodepalServer, doc: TextDocument, start: int, end: int) -> types.Range:
    return types.Range(start=position_of(ls, doc, start), end=position_of(ls, doc, end))


def completion_request(ls: CodepalServer, doc: TextDocument, offset: int, invoked: bool = False) -> CompletionRequest:
    others = []  # most recently edited first; the core keeps those its workspace allows
    for uri in ls.recent:
        other = ls.documents.get(uri)
        if other is not None and uri != doc.uri and len(other.text) < 1_000_000:
            others.append(OpenDocument(uri, other.text, other.language))
    return CompletionRequest(
        text=doc.text, offset=offset, language=doc.language, uri=doc.uri, other_documents=tuple(others),
        invoked=invoked,
    )
