"""Telling the user: an explanation where the client can show it, and outcomes as messages.

A client that shows command results itself (codepal's VS Code extension: a markdown preview, its own
notifications) says so with the client capability `experimental.codepal.resultView: true`; the server
then only returns them. Other clients get the explanation as a generated markdown file opened with
`window/showDocument` (Neovim opens it in a split), or as `window/showMessage` as a last resort.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path

from lsprotocol import types

from codepal.paths import cache_dir

from ..server import CodepalServer
from .target import Target

log = logging.getLogger(__name__)

KEEP_FILES = 20  # generated explanations kept in the cache folder
MESSAGE_CHARS = 4000  # a longer explanation is cut in a showMessage
SHOW_DOCUMENT_TIMEOUT_S = 10.0


def has_result_view(ls: CodepalServer) -> bool:
    experimental = ls.client_capabilities.experimental
    codepal = experimental.get("codepal") if isinstance(experimental, dict) else None
    return isinstance(codepal, dict) and codepal.get("resultView") is True


def can_show_documents(ls: CodepalServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.show_document and window.show_document.support)


def tell(ls: CodepalServer, kind: types.MessageType, message: str) -> None:
    """An outcome for the user, unless the client shows command results itself."""
    if not has_result_view(ls):
        ls.window_show_message(types.ShowMessageParams(kind, f"codepal: {message}"))


async def show_explanation(ls: CodepalServer, target: Target, markdown: str) -> str:
    """Show an explanation; returns where: "client", "document" or "message"."""
    if has_result_view(ls):
        return "client"
    text = f"# codepal: Explain\n\n*{target.title}*\n\n{markdown.strip() or '_The model gave no answer._'}\n"
    if can_show_documents(ls):
        try:
            path = write_explanation(target, text)
            params = types.ShowDocumentParams(uri=path.as_uri(), external=False, take_focus=False)
            async with asyncio.timeout(SHOW_DOCUMENT_TIMEOUT_S):
                result = await ls.window_show_document_async(params)
            if result.success:
                return "document"
        except Exception as exc:  # a refused request, a timeout, an unwritable cache: the message is next
            log.warning("could not show the explanation as a document: %s", exc)
    cut = text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "\n…"
    ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, cut))
    return "message"


def write_explanation(target: Target, text: str) -> Path:
    """`<cache>/explain/<file>-L<line>-<time>.md`; the oldest beyond KEEP_FILES are removed."""
    folder = cache_dir() / "explain"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = re.sub(r"[^\w.-]+", "_", target.title.split(",")[0])[:60] or "code"
    line = target.document.position_at(target.span.start)[0] + 1
    path = folder / f"{stem}-L{line}-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 1000:03d}.md"
    path.write_text(text, encoding="utf-8")
    for old in sorted(folder.glob("*.md"), key=lambda p: p.stat().st_mtime)[:-KEEP_FILES]:
        old.unlink(missing_ok=True)
    return path

