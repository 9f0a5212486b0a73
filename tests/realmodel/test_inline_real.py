"""Inline completions from a model that writes code, in a real LSP client over stdio (VS Code's profile):
multi-line ghost text that compiles once inserted, a mid-line completion that stays on its line, and the
type-through cache while the user types the suggestion."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import open_doc, start_client, vscode_capabilities, wait_ready
from tests.realmodel.conftest import DemoBed

pytestmark = [pytest.mark.slow, pytest.mark.vllm, pytest.mark.realmodel, pytest.mark.timeout(600)]

# Greedy and short: a 135 M model on 2 shared cores writes about 13 tokens a second. The deadline is
# generous because another test's request or the machine's other work may come first.
OPTIONS = {"completion": {"temperature": 0.0, "deadline_ms": 60000, "debounce_ms": 0,
                          "max_tokens_block": 48, "max_tokens_line": 24}}


@pytest.fixture
async def lsp(demo_bed: DemoBed, tmp_path: Path) -> AsyncIterator[LanguageClient]:
    env = {**os.environ, **demo_bed.env}
    client = await start_client(env, vscode_capabilities(), OPTIONS, tmp_path)
    status = await wait_ready(client, timeout=60)
    assert status["state"] == "ready", status
    yield client
    await client.shutdown_session()


def end_of(text: str, marker: str = "█") -> tuple[str, types.Position]:
    """The text without the cursor marker, and the marker's position (UTF-16 units; ASCII here)."""
    offset = text.index(marker)
    before = text[:offset]
    line = before.count("\n")
    return text.replace(marker, ""), types.Position(line=line, character=offset - (before.rfind("\n") + 1))


async def inline(client: LanguageClient, uri: str, position: types.Position) -> tuple[str, types.Range | None]:
    result = await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic)))
    items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
    if not items:
        return "", None
    text = items[0].insert_text
    return (text if isinstance(text, str) else text.value), items[0].range


async def status(client: LanguageClient) -> dict[str, Any]:
    return dict(await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codepal.status", arguments=[])))


def insert(text: str, position: types.Position, suggestion: str) -> str:
    lines = text.split("\n")
    line = lines[position.line]
    lines[position.line] = line[:position.character] + suggestion + line[position.character:]
    return "\n".join(lines)


async def test_status_says_this_is_the_demo_model(lsp: LanguageClient, demo_bed: DemoBed) -> None:
    shown = await status(lsp)
    print(f"\nready in {demo_bed.ready_s:.1f} s; status model {shown['model']!r}; notice {shown['notice']!r}")
    assert "135 M demo model" in shown["notice"] and "DeepSeek-R1-Distill-Qwen-1.5B" in shown["notice"]
    assert "huggingface-cli download" in shown["notice"]


async def test_multi_line_ghost_text_after_a_block_opener_compiles(lsp: LanguageClient) -> None:
    text, position = end_of(
        "def is_prime(n):\n"
        "    if n < 2:\n"
        "        return False\n"
        "    for i in range(2, n):█\n"
        "\n\n"
        "print(is_prime(7))\n"
    )
    open_doc(lsp, "file:///ws/primes.py", text)
    started = time.monotonic()
    suggestion, range_ = await inline(lsp, "file:///ws/primes.py", position)
    took = time.monotonic() - started
    print(f"\nghost text in {took:.1f} s: {suggestion!r}")
    assert range_ is not None and range_.start == position
    assert suggestion.count("\n") >= 2, "a block opener wants its body: more than one line"
    first = suggestion.split("\n")[1]
    assert first.startswith(" " * 8) and first.strip(), "the body starts indented under the opener"
    result = insert(text, position, suggestion)
    compile(result, "primes.py", "exec")  # the document still compiles with the suggestion in it
    assert "print(is_prime(7))" in result.split(suggestion)[-1]  # nothing after the block was repeated


async def test_a_mid_line_completion_ends_at_the_lines_end(lsp: LanguageClient) -> None:
    text, position = end_of(
        "def area(width, height):\n"
        "    return █  # in square metres\n"
        "\n\n"
        "print(area(2, 3))\n"
    )
    open_doc(lsp, "file:///ws/area.py", text)
    started = time.monotonic()
    suggestion, _ = await inline(lsp, "file:///ws/area.py", position)
    print(f"\nmid-line suggestion in {time.monotonic() - started:.1f} s: {suggestion!r}")
    assert suggestion.strip(), "no suggestion"
    assert "\n" not in suggestion, "a mid-line completion stays on its line"
    compile(insert(text, position, suggestion), "area.py", "exec")


async def test_typing_the_suggestion_is_served_from_the_cache(lsp: LanguageClient) -> None:
    uri = "file:///ws/typing.py"
    text, position = end_of("def greet(name):\n    █\n\n\ngreet('Ada')\n")
    open_doc(lsp, uri, text)
    suggestion, _ = await inline(lsp, uri, position)
    assert suggestion, "no suggestion to type through"
    before = (await status(lsp))["completions"]
    typed = suggestion.split("\n")[0][:12]
    version = 1
    for index, char in enumerate(typed):
        at = types.Position(line=position.line, character=position.character + index)
        version += 1
        lsp.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=char)]))
        after_char = types.Position(line=position.line, character=position.character + index + 1)
        rest, _ = await inline(lsp, uri, after_char)
        assert rest == suggestion[index + 1:], (index, rest, suggestion)
    after = (await status(lsp))["completions"]
    print(f"\ntyped {typed!r} of {suggestion!r}: model requests {after['model_requests'] - before['model_requests']}, "
          f"cache hits {after['cache_hits'] - before['cache_hits']}")
    assert after["model_requests"] == before["model_requests"]
    assert after["cache_hits"] - before["cache_hits"] == len(typed)
