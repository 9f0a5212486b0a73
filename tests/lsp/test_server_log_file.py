"""CODEPAL_LSP_LOG_FILE: the language server's whole log, each inline completion request and why it was
answered as it was, in a file (the editor's output channel shows INFO and up only)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from codepal_lsp.server import LOG_FILE_ENV
from tests.support.raw_lsp import RawLsp


async def test_each_inline_request_and_its_answer_are_logged_to_the_file(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    env = dict(os.environ, CODEPAL_STATE_DIR=str(tmp_path / "no-engine"), **{LOG_FILE_ENV: str(log_file)})
    raw = await RawLsp(env).start()
    try:
        await raw.initialize()
        raw.notify("textDocument/didOpen", {"textDocument": {
            "uri": "file:///a.py", "languageId": "python", "version": 3, "text": "def f(x):\n    "}})
        response = await raw.request("textDocument/inlineCompletion", {
            "textDocument": {"uri": "file:///a.py"}, "position": {"line": 1, "character": 4},
            "context": {"triggerKind": 2}})
        assert response["result"]["items"] == []
    finally:
        await raw.close()
    log = log_file.read_text()
    assert "inline completion at 2:5 v3 (Automatic)" in log
    assert "no completion: the engine is not ready" in log
    assert "inline completion at 2:5 v3: empty after" in log
    assert "def f" not in log  # the user's code stays out of the log
    # What the start-up built is out of the cyclic collector's reach (a full collection would walk it all).
    frozen = re.search(r"froze (\d+) objects of the start-up", log)
    assert frozen is not None and int(frozen.group(1)) > 10_000, frozen
