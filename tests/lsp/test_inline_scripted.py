"""Inline completion through the real `codepal lsp` over stdio, against a scripted server that holds its
answer back: the post-processing's facts about the cursor are computed while the server works, and the
suggestion is the one the post-processing gives for the document and the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from codepal.complete.postprocess import postprocess
from tests.lsp.conftest import PROFILES, server_env, start_client, wait_ready
from tests.support.fake_openai import Behaviour, FakeOpenAI

# (text before the cursor, after it, the model's answer, the suggestion): closers the rest of the line
# already has are cut, inside a string too, and a block answer keeps no line the suffix repeats.
CASES = [
    ('def f(k):\n    raise KeyError(f"', ")\n", ['bad {k}"', ")"], 'bad {k}"'),
    ("def f(a, b):\n    value = compute(", ")\n    return value\n", ["a, b", ")"], "a, b"),
    ("def f(a, b):\n    value = compute(", ")\n    return value\n", ["a, b)\n", "    return value\n"], "a, b"),
]


@pytest.fixture(params=list(PROFILES))
async def scripted(request: pytest.FixtureRequest, fake_openai: FakeOpenAI,
                   tmp_path: Path) -> AsyncIterator[LanguageClient]:
    options = {"engine": {"url": fake_openai.url}, "completion": {"debounce_ms": 0, "cache_size": 0}}
    client = await start_client(server_env(tmp_path / "state"), PROFILES[request.param](), options, tmp_path)
    status = await wait_ready(client)
    assert status["state"] == "ready", status
    yield client
    await client.shutdown_session()


async def test_the_suggestion_is_post_processed_with_facts_computed_while_the_server_works(
    scripted: LanguageClient, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    for number, (before, after, chunks, expected) in enumerate(CASES):
        uri = (tmp_path / f"case{number}.py").as_uri()
        scripted.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=before + after)))
        lines = before.split("\n")
        # The answer comes 0.3 s after the request, as from a model busy with the prompt; the connection
        # stays open for the next case (a pooled connection, as with vLLM).
        fake_openai.push(Behaviour(chunks=chunks, first_delay_s=0.3, keep_alive=True))
        result = await scripted.text_document_inline_completion_async(types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=len(lines) - 1, character=len(lines[-1])),
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
        ))
        items = result.items if isinstance(result, types.InlineCompletionList) else result or []
        assert [item.insert_text for item in items] == [expected], (before, after, chunks)
        assert expected == postprocess(before, after, "".join(chunks), "python")
    assert len(fake_openai.generation_requests()) == len(CASES)


async def test_requests_the_user_asked_for_are_not_debounced_as_typing(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """Explicit requests asked back to back (VS Code's "Trigger Inline Suggestion") used to read as
    fast typing: each then waited out a learned debounce of up to 0.3 s. Typed (Automatic) requests as
    close together still teach the rhythm."""
    options = {"engine": {"url": fake_openai.url}, "completion": {"debounce_ms": 40, "cache_size": 0}}
    client = await start_client(server_env(tmp_path / "state"), PROFILES["vscode"](), options, tmp_path)
    try:
        status = await wait_ready(client)
        assert status["completions"]["debounce_ms"] == 40
        uri = (tmp_path / "area.py").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text="def area(r):\n    \n")))
        fake_openai.default = Behaviour(chunks=["return r * r\n"], first_delay_s=0.05, keep_alive=True)

        async def ask(kind: types.InlineCompletionTriggerKind) -> None:
            await client.text_document_inline_completion_async(types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=4),
                context=types.InlineCompletionContext(trigger_kind=kind)))

        for _ in range(5):  # about 0.1 s apart: typing, were they keystrokes
            await ask(types.InlineCompletionTriggerKind.Invoked)
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codepal.status", arguments=[]))
        assert status["completions"]["debounce_ms"] == 40
        assert len(fake_openai.generation_requests()) == 5
        for _ in range(5):
            await ask(types.InlineCompletionTriggerKind.Automatic)
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codepal.status", arguments=[]))
        assert status["completions"]["debounce_ms"] > 100  # learned from the gaps (1.5 times their mean at least)
    finally:
        await client.shutdown_session()
