"""Code actions without a model: listed instantly, filtered by kind and trigger, resolved to the enclosing
function, and their commands fail fast and clearly (engine not ready, stale version, bad arguments)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.actions_helpers import (
    BUG_LINE,
    DOC,
    by_title,
    code_actions,
    cursor,
    diagnostic,
    pos,
    read_code_actions_correctly,
)
from tests.lsp.conftest import PROFILES, open_doc, server_env, start_client
from tests.support.raw_lsp import RawLsp

URI = "file:///ws/shapes.py"
# ~2,000 lines: listing must not depend on the document's size.
BIG = DOC + "".join(f"\n\ndef helper_{i}(x):\n    y = x * {i}\n    return y + 1\n" for i in range(400))


@pytest.fixture
async def raw(tmp_path: Path) -> AsyncIterator[RawLsp]:
    server = await RawLsp(dict(os.environ, CODEPAL_STATE_DIR=str(tmp_path / "no-engine"))).start()
    await server.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
            "quickfix", "refactor", "source"]}}, "resolveSupport": {"properties": ["edit"]}}}}})
    server.notify("initialized", {})
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "python", "version": 3, "text": BIG}})
    yield server
    await server.close()


def action_params(range_: types.Range, diagnostics: list[types.Diagnostic] | None = None,
                  trigger: int = 1, only: list[str] | None = None) -> dict[str, Any]:
    from lsprotocol.converters import get_converter

    context: dict[str, Any] = {"diagnostics": get_converter().unstructure(diagnostics or []), "triggerKind": trigger}
    if only is not None:
        context["only"] = only
    return {"textDocument": {"uri": URI}, "range": get_converter().unstructure(range_), "context": context}


async def test_actions_are_listed_in_a_few_ms_by_the_server(raw: RawLsp) -> None:
    timings = []
    for i in range(40):
        line = (i * 97) % 2000
        response, ms = await raw.timed_request("textDocument/codeAction", action_params(
            cursor(line, 4), [diagnostic(line)] if i % 2 else []))
        assert len(response["result"]) == (3 if i % 2 else 2)
        timings.append(ms)
    median, worst = statistics.median(timings), max(timings)
    print(f"\ncodeAction over raw stdio, 2,000-line document: first {timings[0]:.1f} ms, "
          f"median {median:.1f} ms, max {worst:.1f} ms")
    assert median < 15


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_actions_are_listed_instantly_for_each_profile(profile: str, tmp_path: Path) -> None:
    client = await start_client(server_env(tmp_path / "no-engine"), PROFILES[profile](), {}, tmp_path)
    read_code_actions_correctly(client)
    try:
        open_doc(client, URI, BIG)
        timings = []
        for i in range(20):
            actions, ms = await code_actions(client, URI, cursor(BUG_LINE + 4 * i, 6), [diagnostic(BUG_LINE)])
            timings.append(ms)
        assert [a.kind for a in actions] == ["quickfix", "refactor.rewrite.codepal.fix", "codepal.explain"]
        assert all(a.command is not None and a.edit is None for a in actions)
        print(f"\n{profile}: codeAction through pytest-lsp: first {timings[0]:.1f} ms, "
              f"median {statistics.median(timings):.1f} ms")
        assert statistics.median(timings) < 30
    finally:
        await client.shutdown_session()


async def test_kinds_follow_only_and_the_trigger(raw: RawLsp) -> None:
    async def titles(**kwargs: Any) -> list[str]:
        response = await raw.request("textDocument/codeAction", action_params(**kwargs))
        return [a["title"] for a in response["result"]]

    here = cursor(BUG_LINE, 6)
    selection = types.Range(start=pos(3), end=pos(5))
    problem = [diagnostic(BUG_LINE)]
    # A lightbulb request (automatic) on a bare cursor gets only the diagnostics' fixes.
    assert await titles(range_=here, diagnostics=problem, trigger=2) == ["Fix with codepal: area is wrong for r=2"]
    assert await titles(range_=here, trigger=2) == []
    assert await titles(range_=selection, trigger=2) == ["Fix this bug with codepal", "Explain with codepal"]
    assert await titles(range_=here, diagnostics=problem, only=["quickfix"]) == [
        "Fix with codepal: area is wrong for r=2"]
    assert await titles(range_=here, diagnostics=problem, only=["refactor"]) == ["Fix this bug with codepal"]
    assert await titles(range_=here, only=["codepal"]) == ["Explain with codepal"]
    assert await titles(range_=here, only=["source"]) == []


async def test_resolve_widens_an_empty_range_to_the_enclosing_function(raw: RawLsp) -> None:
    response = await raw.request("textDocument/codeAction", action_params(cursor(BUG_LINE, 12)))
    explain = next(a for a in response["result"] if a["title"].startswith("Explain"))
    started = time.monotonic()
    resolved = (await raw.request("codeAction/resolve", explain))["result"]
    took = (time.monotonic() - started) * 1000
    assert resolved["command"]["arguments"][0]["range"] == {
        "start": {"line": 3, "character": 0}, "end": {"line": 4, "character": 26}}  # `def area` … its body
    assert resolved["command"]["arguments"][0]["version"] == 3
    selection = types.Range(start=pos(4, 4), end=pos(4, 10))
    response = await raw.request("textDocument/codeAction", action_params(selection))
    fix = next(a for a in response["result"] if a["title"].startswith("Fix this bug"))
    assert (await raw.request("codeAction/resolve", fix))["result"] == fix  # a selection stays as it is
    print(f"\nresolve (tree-sitter on a 2,000-line document) in {took:.1f} ms")


async def test_commands_without_an_engine_fail_fast_and_say_why(raw: RawLsp) -> None:
    response = await raw.request("textDocument/codeAction", action_params(cursor(BUG_LINE, 6)))
    for action in response["result"]:
        started = time.monotonic()
        answer = await raw.request("workspace/executeCommand", action["command"])
        took = (time.monotonic() - started) * 1000
        assert answer["error"]["code"] == -32002, answer
        assert "model server is not ready" in answer["error"]["message"]
        print(f"\n{action['command']['command']} without an engine: error in {took:.1f} ms: "
              f"{answer['error']['message']}")
    assert raw.show_messages() == []


async def test_a_stale_version_or_bad_arguments_are_refused(raw: RawLsp) -> None:
    response = await raw.request("textDocument/codeAction", action_params(cursor(BUG_LINE, 6)))
    command = response["result"][0]["command"]
    raw.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 4}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "#\n"}]})
    stale = await raw.request("workspace/executeCommand", command)
    assert stale["error"]["code"] == -32801 and "changed since the action was offered" in stale["error"]["message"]
    for arguments in ([], ["file:///ws/shapes.py"], [{"uri": URI, "range": "nowhere"}],
                      [{"uri": "file:///ws/closed.py", "range": command["arguments"][0]["range"]}]):
        answer = await raw.request("workspace/executeCommand", {"command": "codepal.fix", "arguments": arguments})
        assert answer["error"]["code"] == -32602, (arguments, answer)


async def test_a_client_without_code_action_literals_gets_commands(tmp_path: Path) -> None:
    client: LanguageClient = await start_client(server_env(tmp_path / "no-engine"), types.ClientCapabilities(),
                                                {}, tmp_path)
    try:
        open_doc(client, URI, DOC)
        result = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI), range=cursor(BUG_LINE, 6),
            context=types.CodeActionContext(diagnostics=[])))
        assert [(c.title, c.command) for c in result or [] if isinstance(c, types.Command)] == [
            ("Fix this bug with codepal", "codepal.fix"), ("Explain with codepal", "codepal.explain")]
    finally:
        await client.shutdown_session()


async def test_other_requests_are_answered_while_a_huge_document_is_resolved(tmp_path: Path) -> None:
    """codeAction/resolve parses the whole document in a worker thread: a listing sent after it, for
    another document, is answered while the parse of ~3 MB still runs (it used to wait for it)."""
    client: LanguageClient = await start_client(server_env(tmp_path / "no-engine"), PROFILES["vscode"](),
                                                {}, tmp_path)
    read_code_actions_correctly(client)
    try:
        huge_uri, target = "file:///ws/huge.py", 60_000
        open_doc(client, huge_uri, "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(120_000)))
        open_doc(client, URI, DOC)
        explain = by_title((await code_actions(client, huge_uri, cursor(3 * target + 1, 8)))[0], "Explain")
        resolving = asyncio.ensure_future(client.code_action_resolve_async(explain))
        await asyncio.sleep(0.1)  # the resolve request goes out first (a task only starts on the next turn)
        started = time.monotonic()
        listed, first_ms = await code_actions(client, URI, cursor(BUG_LINE, 6))
        assert listed and not resolving.done(), "the listing waited for the resolve"
        latencies = [first_ms]
        while not resolving.done():  # how long listings take while the parse runs (figures, not a limit)
            listed, ms = await code_actions(client, URI, cursor(BUG_LINE, 6))
            latencies.append(ms)
        resolved = await resolving
        resolve_ms = (time.monotonic() - started) * 1000
        assert resolved.command is not None and resolved.command.arguments
        assert resolved.command.arguments[0]["range"] == {  # `def f60000` and its body
            "start": {"line": 3 * target, "character": 0},
            "end": {"line": 3 * target + 1, "character": len(f"    return x + {target}")}}
        print(f"\nwhile the resolve of a 3 MB document took {resolve_ms:.0f} ms, {len(latencies)} listings were "
              f"answered: first in {first_ms:.0f} ms, slowest in {max(latencies):.0f} ms")
    finally:
        await client.shutdown_session()
