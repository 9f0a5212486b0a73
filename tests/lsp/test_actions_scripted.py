"""Explain and fix over stdio with scripted R1-style answers from the fake OpenAI server: the versioned
minimal edit, the refusal when the document changed, the explanation shown, cancellation end to end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient

from tests.lsp.actions_helpers import (
    BUG_LINE,
    DOC,
    FIXED_LINE,
    EditRecorder,
    applied,
    by_title,
    code_actions,
    cursor,
    diagnostic,
    execute,
    progress_kinds,
    read_code_actions_correctly,
    report_messages,
    server_tokens,
    text_edits,
)
from tests.lsp.conftest import PROFILES, open_doc, server_env, start_client, wait_ready
from tests.support.fake_openai import Behaviour, FakeOpenAI

THINKING = [f"Step {i}: the area of a circle is pi r squared, and this multiplies by two.\n" for i in range(8)]


def r1_fix(code: str = "def area(r):\n    return math.pi * r ** 2", delay: float = 0.1,
           first_delay: float = 0.0) -> Behaviour:
    return Behaviour(chunks=[*((t, "") for t in THINKING),
                             ("", "Here is the corrected code:\n\n```python\n"), ("", code + "\n"),
                             ("", "```\n\nI squared the radius.")],
                     chunk_delay_s=delay, first_delay_s=first_delay)


def r1_explain() -> Behaviour:
    return Behaviour(chunks=[*((t, "") for t in THINKING),
                             ("", "`area` returns the area of a circle"), ("", " of radius `r`.\n\n- uses `math.pi`")],
                     chunk_delay_s=0.1)


async def make_client(fake: FakeOpenAI, tmp_path: Path, capabilities: types.ClientCapabilities) -> LanguageClient:
    options = {"engine": {"url": fake.url}, "assist": {"timeout_s": 60}}
    client = await start_client(server_env(tmp_path / "state"), capabilities, options, tmp_path)
    read_code_actions_correctly(client)
    status = await wait_ready(client)
    assert status["state"] == "ready", status
    return client


def with_result_view(capabilities: types.ClientCapabilities) -> types.ClientCapabilities:
    capabilities.experimental = {"codepal": {"resultView": True}}
    return capabilities


@pytest.fixture(params=list(PROFILES))
async def scripted(request: pytest.FixtureRequest, fake_openai: FakeOpenAI,
                   tmp_path: Path) -> AsyncIterator[LanguageClient]:
    client = await make_client(fake_openai, tmp_path, PROFILES[request.param]())
    client.profile = request.param  # type: ignore[attr-defined]
    yield client
    await client.shutdown_session()


async def test_fix_returns_and_applies_a_versioned_minimal_edit(
    scripted: LanguageClient, fake_openai: FakeOpenAI
) -> None:
    recorder = EditRecorder(scripted)
    uri = "file:///ws/shapes.py"
    open_doc(scripted, uri, DOC, version=7)
    problem = diagnostic(BUG_LINE)
    actions, list_ms = await code_actions(scripted, uri, cursor(BUG_LINE, 10), [problem])
    action = by_title(actions, "Fix with codepal: area is wrong")
    assert action.kind == types.CodeActionKind.QuickFix and action.command is not None
    fake_openai.push(r1_fix())
    before = set(scripted.progress_reports)
    started = time.monotonic()
    _, future = execute(scripted, action.command)
    result = await asyncio.wait_for(future, 30)
    took = (time.monotonic() - started) * 1000
    assert result["applied"] is True, result
    assert result["version"] == 7 and result["message"] == "I squared the radius."
    edit = scripted.protocol._converter.structure(result["edit"], types.WorkspaceEdit)
    edits, version = text_edits(edit, uri)
    versioned = scripted.profile == "vscode"  # type: ignore[attr-defined]  # Neovim 0.10 has no documentChanges
    assert version == (7 if versioned else None)
    assert [(e.range.start.line, e.range.end.line, e.new_text) for e in edits] == [
        (BUG_LINE, BUG_LINE + 1, FIXED_LINE)]  # only the buggy line
    assert applied(DOC, edits) == DOC.replace("r * 2", "r ** 2")
    assert len(recorder.edits) == 1 and recorder.edits[0].edit == edit
    # VS Code supports change annotations: it is asked to confirm (its refactor preview) before applying.
    assert result["confirmation"] is versioned
    if versioned:
        assert all(isinstance(e, types.AnnotatedTextEdit) for e in edits)
        annotation = (edit.change_annotations or {})[edits[0].annotation_id]  # type: ignore[union-attr]
        assert annotation.needs_confirmation is True and annotation.label == "codepal: fix"
    else:
        assert edit.change_annotations is None
    assert result["answerFormat"] == "text" and result["tokensExact"] is False and result["thinkingTokens"] > 0
    prompt = fake_openai.generation_requests()[0].body["messages"][0]["content"]
    assert "area is wrong for r=2" in prompt  # the diagnostic went to the model
    tokens = server_tokens(scripted, before)
    assert len(tokens) == 1
    kinds = progress_kinds(scripted, tokens[0])
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    reports = report_messages(scripted, tokens[0])
    assert any(m and m.startswith("thinking… ") and "Step" in m for m in reports), reports
    print(f"\n{scripted.profile}: listed in {list_ms:.1f} ms; fix applied in {took:.0f} ms with "  # type: ignore[attr-defined]
          f"{len(reports)} progress reports: {reports[:2]}")


async def test_a_document_edited_during_the_fix_gets_no_edit_and_a_warning(
    scripted: LanguageClient, fake_openai: FakeOpenAI
) -> None:
    recorder = EditRecorder(scripted)
    uri = "file:///ws/edited.py"
    open_doc(scripted, uri, DOC)
    actions, _ = await code_actions(scripted, uri, cursor(BUG_LINE, 10))
    fake_openai.push(r1_fix(first_delay=1.0, delay=0.0))
    started = time.monotonic()
    _, future = execute(scripted, by_title(actions, "Fix this bug").command)  # type: ignore[arg-type]
    await asyncio.sleep(0.3)
    scripted.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=cursor(0), text="# edited\n")]))
    result = await asyncio.wait_for(future, 30)
    took = (time.monotonic() - started) * 1000
    assert result["applied"] is False and "changed while the fix was being made" in result["message"]
    assert "edit" not in result and recorder.edits == []
    warnings = [m for m in scripted.messages if m.type == types.MessageType.Warning]
    assert any("changed while the fix" in m.message for m in warnings), scripted.messages
    print(f"\n{scripted.profile}: refused after {took:.0f} ms: {result['message']}")  # type: ignore[attr-defined]


async def test_an_answer_without_code_is_no_safe_fix_and_no_edit(
    scripted: LanguageClient, fake_openai: FakeOpenAI
) -> None:
    recorder = EditRecorder(scripted)
    uri = "file:///ws/nocode.py"
    open_doc(scripted, uri, DOC)
    actions, _ = await code_actions(scripted, uri, cursor(BUG_LINE, 10))
    no_code = Behaviour(chunks=[("Hmm, let me think.", ""), ("", "The code looks fine to me.")])
    fake_openai.push(no_code, no_code)  # the answer and the one retry
    _, future = execute(scripted, by_title(actions, "Fix this bug").command)  # type: ignore[arg-type]
    result = await asyncio.wait_for(future, 30)
    assert result["applied"] is False and result["message"].startswith("no safe fix found")
    assert recorder.edits == [] and len(fake_openai.generation_requests()) == 2
    assert any(m.message.startswith("codepal: shapes") or "no safe fix found" in m.message
               for m in scripted.messages)


async def test_explain_shows_markdown_as_a_document_and_returns_it(
    scripted: LanguageClient, fake_openai: FakeOpenAI
) -> None:
    uri = "file:///ws/shapes.py"
    open_doc(scripted, uri, DOC)
    actions, _ = await code_actions(scripted, uri, cursor(BUG_LINE, 10))
    explain = by_title(actions, "Explain with codepal")
    fake_openai.push(r1_explain())
    token = "client-token-1" if scripted.profile == "vscode" else None  # type: ignore[attr-defined]
    before = set(scripted.progress_reports)
    started = time.monotonic()
    _, future = execute(scripted, explain.command, token=token)  # type: ignore[arg-type]
    result = await asyncio.wait_for(future, 30)
    took = (time.monotonic() - started) * 1000
    assert result["markdown"].startswith("`area` returns the area") and result["shownIn"] == "document"
    shown = scripted.shown_documents[-1]
    path = Path(to_fs_path(shown.uri) or "")
    assert path.suffix == ".md" and path.parent.name == "explain"
    written = path.read_text()  # noqa: ASYNC240 - a small file in a test
    assert "`area` returns the area" in written and "shapes.py, lines 4–5" in written
    used = token if token is not None else server_tokens(scripted, before)[0]
    kinds = progress_kinds(scripted, used)
    assert kinds[0] == "begin" and "report" in kinds and kinds[-1] == "end", kinds
    prompt = fake_openai.generation_requests()[0].body["messages"][0]["content"]
    assert "def area(r):\n    return math.pi * r * 2\n```" in prompt  # the enclosing function only
    assert "def name" not in prompt
    print(f"\n{scripted.profile}: explain in {took:.0f} ms, {kinds.count('report')} reports, shown {shown.uri}")  # type: ignore[attr-defined]


async def test_explain_for_a_client_with_its_own_view_or_with_nothing(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    for name, caps, where in [("result view", with_result_view(PROFILES["vscode"]()), "client"),
                              ("bare", types.ClientCapabilities(), "message")]:
        client = await make_client(fake_openai, tmp_path / name.replace(" ", "_"), caps)
        try:
            uri = "file:///ws/shapes.py"
            open_doc(client, uri, DOC)
            actions, _ = await code_actions(client, uri, cursor(BUG_LINE, 10))
            fake_openai.push(r1_explain())
            _, future = execute(client, by_title(actions, "Explain").command)  # type: ignore[arg-type]
            result = await asyncio.wait_for(future, 30)
            assert result["shownIn"] == where and client.shown_documents == []
            infos = [m.message for m in client.messages if m.type == types.MessageType.Info]
            assert any("`area` returns" in m for m in infos) == (where == "message"), infos
            assert client.progress_reports == {} or name != "bare"  # no progress without the capability
        finally:
            await client.shutdown_session()


async def test_a_fix_discarded_in_the_preview_or_applied_without_confirmation(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """VS Code answers `applied: false` when the user discards the refactor preview; with
    `assist.apply_fix_without_confirmation` the edit carries no annotation and applies at once."""
    discarding = await make_client(fake_openai, tmp_path / "discard", PROFILES["vscode"]())
    try:
        recorder = EditRecorder(discarding, applied=False)
        uri = "file:///ws/discard.py"
        open_doc(discarding, uri, DOC)
        actions, _ = await code_actions(discarding, uri, cursor(BUG_LINE, 10))
        fake_openai.push(r1_fix(delay=0.0))
        _, future = execute(discarding, by_title(actions, "Fix this bug").command)  # type: ignore[arg-type]
        result = await asyncio.wait_for(future, 30)
        assert result["applied"] is False and result["confirmation"] is True, result
        assert result["message"] == "the fix was discarded in the preview; nothing changed"
        assert len(recorder.edits) == 1 and recorder.edits[0].edit.change_annotations
    finally:
        await discarding.shutdown_session()

    options = {"engine": {"url": fake_openai.url}, "assist": {"apply_fix_without_confirmation": True}}
    direct = await start_client(server_env(tmp_path / "direct" / "state"), PROFILES["vscode"](), options, tmp_path)
    try:
        read_code_actions_correctly(direct)
        assert (await wait_ready(direct))["state"] == "ready"
        recorder = EditRecorder(direct)
        uri = "file:///ws/direct.py"
        open_doc(direct, uri, DOC)
        actions, _ = await code_actions(direct, uri, cursor(BUG_LINE, 10))
        fake_openai.push(r1_fix(delay=0.0))
        _, future = execute(direct, by_title(actions, "Fix this bug").command)  # type: ignore[arg-type]
        result = await asyncio.wait_for(future, 30)
        assert result["applied"] is True and result["confirmation"] is False, result
        edit = recorder.edits[0].edit
        assert edit.change_annotations is None and edit.document_changes
        edits, version = text_edits(edit, uri)
        assert version == 1 and not any(isinstance(e, types.AnnotatedTextEdit) for e in edits)
    finally:
        await direct.shutdown_session()


async def _cancel_while_streaming(client: LanguageClient, fake: FakeOpenAI, how: str) -> dict[str, Any]:
    uri = f"file:///ws/cancel_{how}.py"
    open_doc(client, uri, DOC)
    actions, _ = await code_actions(client, uri, cursor(BUG_LINE, 10))
    fake.push(Behaviour(kind="endless", chunk_delay_s=0.02))
    token = f"cancel-{how}"
    msg_id, future = execute(client, by_title(actions, "Explain").command, token=token)  # type: ignore[arg-type]
    deadline = time.monotonic() + 10
    while "report" not in progress_kinds(client, token) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert fake.open_streams == 1 and not future.done()
    cancelled_at = time.monotonic()
    if how == "request":
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    else:
        client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token))
    with pytest.raises(JsonRpcRequestCancelled) as info:
        await asyncio.wait_for(future, 5)
    answered_ms = (time.monotonic() - cancelled_at) * 1000
    while fake.open_streams and time.monotonic() - cancelled_at < 5:
        await asyncio.sleep(0.01)
    closed_ms = (time.monotonic() - cancelled_at) * 1000
    assert info.value.code == -32800 and fake.open_streams == 0
    assert fake.generation_requests()[-1].closed_by_client
    assert progress_kinds(client, token)[-1] == "end"
    return {"answered_ms": answered_ms, "closed_ms": closed_ms}


@pytest.mark.parametrize("how", ["request", "progress"])
async def test_cancel_answers_32800_and_closes_the_model_stream(
    scripted: LanguageClient, fake_openai: FakeOpenAI, how: str
) -> None:
    timings = await _cancel_while_streaming(scripted, fake_openai, how)
    print(f"\n{scripted.profile} cancel by {how}: -32800 after {timings['answered_ms']:.0f} ms, "  # type: ignore[attr-defined]
          f"model stream closed after {timings['closed_ms']:.0f} ms")


async def test_a_cancel_sent_with_the_request_stops_it_before_the_model_is_asked(
    scripted: LanguageClient, fake_openai: FakeOpenAI
) -> None:
    uri = "file:///ws/early.py"
    open_doc(scripted, uri, DOC)
    actions, _ = await code_actions(scripted, uri, cursor(BUG_LINE, 10))
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.02))
    msg_id, future = execute(scripted, by_title(actions, "Explain").command)  # type: ignore[arg-type]
    scripted.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(future, 5)
    await asyncio.sleep(0.3)
    assert fake_openai.open_streams == 0


async def test_shutdown_with_a_fix_in_flight_answers_both(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    client = await make_client(fake_openai, tmp_path, PROFILES["neovim"]())
    uri = "file:///ws/late.py"
    open_doc(client, uri, DOC)
    actions, _ = await code_actions(client, uri, cursor(BUG_LINE, 10))
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.02))
    _, future = execute(client, by_title(actions, "Fix this bug").command)  # type: ignore[arg-type]
    deadline = time.monotonic() + 10
    while not fake_openai.open_streams and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await client.shutdown_session()  # raises if the server's shutdown failed
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(future, 5)
    deadline = time.monotonic() + 5
    while fake_openai.open_streams and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert fake_openai.open_streams == 0
