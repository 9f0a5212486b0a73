"""Open documents by URI. A request takes the document's text (an immutable str) when it starts, so typing
never waits for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from codepal.errors import InvalidInput
from codepal.text.document import Position, TextDocument
from codepal.text.encoding import PositionEncoding


@dataclass(frozen=True)
class TextChange:
    """One LSP content change; `start`/`end` None means the whole text is replaced."""

    text: str
    start: Position | None = None
    end: Position | None = None


class DocumentStore:
    def __init__(self) -> None:
        self._docs: dict[str, TextDocument] = {}

    def __contains__(self, uri: object) -> bool:
        return uri in self._docs

    def __len__(self) -> int:
        return len(self._docs)

    def uris(self) -> list[str]:
        return list(self._docs)

    def open(self, uri: str, language: str, version: int, text: str) -> TextDocument:
        """Open (or reopen, replacing) a document."""
        doc = TextDocument(uri, language, version, text)
        self._docs[uri] = doc
        return doc

    def get(self, uri: str) -> TextDocument | None:
        return self._docs.get(uri)

    def change(
        self,
        uri: str,
        version: int,
        changes: Iterable[TextChange],
        encoding: PositionEncoding = "utf-16",
    ) -> TextDocument:
        """Apply content changes in order (each range refers to the text after the previous change)."""
        doc = self._docs.get(uri)
        if doc is None:
            raise InvalidInput(f"change for a document that is not open: {uri}")
        for change in changes:
            doc.apply_change(change.start, change.end, change.text, encoding=encoding)
        doc.version = version
        return doc

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)
