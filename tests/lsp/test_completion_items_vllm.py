"""Classic completion items (`textDocument/completion`) through a real LSP client and the real vLLM bed."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from codepal_lsp.features.completion import FILTER_CHARS, word_before
from tests.lsp.conftest import PROFILES, TEST_OPTIONS, open_doc, server_env, start_client, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


def test_word_before_the_cursor() -> None:
    assert word_before("x = foo.ba", 10) == "foo.ba"
    assert word_before("x = foo  ", 9) == "foo"
    assert word_before("", 0) == ""
    # The bug: only blanks within reach, text before them.
    assert word_before("value = 1\n" + " " * FILTER_CHARS, 10 + FILTER_CHARS) == ""


async def test_blank_run_before_the_cursor_gets_an_item_not_an_error(vllm_state_dir: Path, tmp_path: Path) -> None:
    """More than FILTER_CHARS blanks before the cursor with code before them: the server used to raise
    IndexError while building the item, and the client got an error instead of the suggestion."""
    client = await start_client(server_env(vllm_state_dir), PROFILES["neovim"](), TEST_OPTIONS, tmp_path)
    try:
        assert (await wait_ready(client))["state"] == "ready"
        items: list[types.CompletionItem] = []
        for attempt in range(12):  # the random test model's text is gibberish: post-processing drops some
            blank = "\n" * (1 + attempt % 3) + " " * (FILTER_CHARS + 4 * (attempt % 4))
            text = f"def handle_{attempt}(value):\n    total = value + {attempt}{blank}"
            uri = (tmp_path / f"blank_{attempt}.py").as_uri()
            open_doc(client, uri, text)
            lines = text.split("\n")
            position = types.Position(line=len(lines) - 1, character=len(lines[-1]))
            result = await client.text_document_completion_async(types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position))
            found = result.items if isinstance(result, types.CompletionList) else (result or [])
            if found:
                items = list(found)
                break
        assert items, "no suggestion from the test model in 12 tries"
        assert items[0].filter_text == ""
        assert items[0].text_edit is not None and items[0].text_edit.new_text
    finally:
        await client.shutdown_session()
