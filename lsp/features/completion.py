"""Inline completions (ghost text) and classic completion items for clients without them."""

from __future__ import annotations

import asyncio
import logging
import time

from lsprotocol import types

from codepal.text.fences import fenced

from ..convert import completion_request, offset_of, position_of
from ..server import CodepalServer

SOURCE = "codepal"
log = logging.getLogger(__name__)
FILTER_CHARS = 40  # how far back the word the client filters by is looked for


def word_before(text: str, offset: int) -> str:
    """The last word in the FILTER_CHARS characters before the cursor ("" when they are all blank,
    even if earlier text is not), for the item's filter text."""
    words = text[max(0, offset - FILTER_CHARS) : offset].split()
    return words[-1] if words else ""


def register(server: CodepalServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: CodepalServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None or ls.assistant is None:
            log.debug("inline completion: no document or no assistant yet")
            return types.InlineCompletionList(items=[])
        offset = offset_of(ls, doc, params.position)
        started = time.monotonic()
        # Only what a debug log shows is formatted for it: this runs on every keystroke.
        where = (f"{params.position.line + 1}:{params.position.character + 1} v{doc.version}"
                 if log.isEnabledFor(logging.DEBUG) else "")
        if where:
            log.debug("inline completion at %s (%s)", where, params.context.trigger_kind.name)
        try:
            # An explicit "trigger suggestion" is answered at once; typing (Automatic) is debounced.
            invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
            completion = await ls.assistant.complete(completion_request(ls, doc, offset, invoked), key=doc.uri)
        except asyncio.CancelledError:
            log.debug("inline completion at %s: cancelled by the client after %.0f ms", where,
                      (time.monotonic() - started) * 1000)
            raise
        elapsed_ms = (time.monotonic() - started) * 1000
        if completion is None or not completion.text:
            log.debug("inline completion at %s: empty after %.0f ms", where, elapsed_ms)
            return types.InlineCompletionList(items=[])
        log.debug("inline completion at %s: %d characters%s after %.0f ms", where, len(completion.text),
                  " (cache)" if completion.from_cache else "", elapsed_ms)
        cursor = position_of(ls, doc, offset)
        item = types.InlineCompletionItem(insert_text=completion.text, range=types.Range(start=cursor, end=cursor))
        return types.InlineCompletionList(items=[item])

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", " "])
    )
    async def completion(ls: CodepalServer, params: types.CompletionParams) -> types.CompletionList:
        # Always incomplete: the client asks again as the user types, and the cache answers.
        empty = types.CompletionList(is_incomplete=True, items=[])
        doc = ls.documents.get(params.text_document.uri)
        if doc is None or ls.assistant is None:
            return empty
        offset = offset_of(ls, doc, params.position)
        completion = await ls.assistant.complete(completion_request(ls, doc, offset), key=doc.uri)
        if completion is None or not completion.text.strip():
            return empty
        cursor = position_of(ls, doc, offset)
        first_line = completion.text.strip().splitlines()[0]
        item = types.CompletionItem(
            label=first_line[:60],
            kind=types.CompletionItemKind.Snippet if "\n" in completion.text else types.CompletionItemKind.Text,
            detail=SOURCE,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                              value=fenced(completion.text, doc.language)),
            text_edit=types.TextEdit(range=types.Range(start=cursor, end=cursor), new_text=completion.text),
            filter_text=word_before(doc.text, offset),
            sort_text="0",
            insert_text_format=types.InsertTextFormat.PlainText,
        )
        return types.CompletionList(is_incomplete=True, items=[item])
