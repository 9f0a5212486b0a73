"""Code actions (explain, fix): registered by the code-actions work; nothing here yet."""

from __future__ import annotations

from lsp.server import CodepalServer


def register(server: CodepalServer) -> None:
    return None
