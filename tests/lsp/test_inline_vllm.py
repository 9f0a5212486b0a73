"""Inline and classic completions over stdio against the real vLLM test bed."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from codepal.engine import EngineInfo
from tests.lsp.conftest import open_doc
from tests.support.metrics import metric_now, metric_now_sync

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

UTF16_LINE = 'label = "ä a\u0308 錯誤 😋"  # 😋 '
# Cursor spots where a block or a line is wanted; the random model's text is gibberish, so a few tries.
DOCS = [
    f"{UTF16_LINE}\ndef handle(value):\n    ",
    f"{UTF16_LINE}\nfor item in range(10):\n    ",
    f"{UTF16_LINE}\nclass Thing:\n    def run(self):\n        ",
    f"{UTF16_LINE}\nif value:\n    ",
]


def _end_position(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)


async def _status(client: LanguageClient) -> dict[str, Any]:
    return dict(await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codepal.status", arguments=[])))


async def test_capabilities(lsp: LanguageClient) -> None:
    caps = lsp.server_capabilities  # type: ignore[attr-defined]
    assert caps.inline_completion_provider is not None
    assert caps.completion_provider is not None
    sync = caps.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.position_encoding in ("utf-16", types.PositionEncodingKind.Utf16)
    print(f"{lsp.profile}: initialize took {lsp.initialize_ms:.0f} ms")  # type: ignore[attr-defined]


async def test_the_tokenizer_loads_when_the_engine_is_ready_not_in_the_first_completion(lsp: LanguageClient) -> None:
    """A vocabulary of 150,000 tokens takes up to 0.6 s to load: the first completion must not wait for it."""
    deadline = time.monotonic() + 30
    while (status := await _status(lsp))["completions"].get("token_counter") in (None, "loading"):
        assert time.monotonic() < deadline, status["completions"].get("token_counter")
        await asyncio.sleep(0.05)
    # (These servers are not told the model's folder, so theirs is the estimate; the bench's load the file.)
    assert status["completions"]["token_counter"] in ("HeuristicCounter", "TokenizerFileCounter")
    assert status["completions"]["requests"] == 0


async def test_completion_item_with_correct_range_on_emoji_and_cjk_lines(lsp: LanguageClient) -> None:
    found = None
    attempts = 0
    for attempt in range(12):
        text = DOCS[attempt % len(DOCS)] + ("" if attempt < len(DOCS) else f"x{attempt} = ")
        uri = f"file:///ws/emoji_{attempt}.py"
        open_doc(lsp, uri, text)
        position = _end_position(text)
        attempts += 1
        if lsp.profile == "vscode":  # type: ignore[attr-defined]
            result = await lsp.text_document_inline_completion_async(types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position,
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic)))
            items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
            if items:
                found = (items[0].range, position, items[0].insert_text)
        else:
            result = await lsp.text_document_completion_async(types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position))
            items = result.items if isinstance(result, types.CompletionList) else (result or [])
            if items and items[0].text_edit is not None:
                found = (items[0].text_edit.range, position, items[0].text_edit.new_text)  # type: ignore[union-attr]
        if found:
            break
    print(f"{lsp.profile}: a suggestion after {attempts} tries: {found[2][:40] if found else None!r}")  # type: ignore[attr-defined]
    assert found is not None, "no suggestion from the test model in 12 tries"
    item_range, position, text = found
    assert item_range.start == position  # UTF-16 units, past the emoji, CJK and combining mark
    assert item_range.end.line == position.line and item_range.end.character >= position.character
    assert text


async def _wait_idle(http: httpx.AsyncClient, vllm: EngineInfo, limit_s: float = 60) -> None:
    """Earlier tests' requests may still be finishing: "running" must mean ours."""
    deadline = time.monotonic() + limit_s
    while await metric_now(vllm.url, "vllm:num_requests_running", http) > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def _send_and_cancel_while_generating(
    lsp: LanguageClient, http: httpx.AsyncClient, vllm: EngineInfo, attempt: int
) -> tuple[float, JsonRpcRequestCancelled | None]:
    """One long completion, cancelled once vLLM has generated for it a while: (ms to the answer, error)."""
    method = types.TEXT_DOCUMENT_INLINE_COMPLETION if lsp.profile == "vscode" else types.TEXT_DOCUMENT_COMPLETION  # type: ignore[attr-defined]
    text = f"def long_one_{attempt}():\n    "
    uri = f"file:///ws/cancel_{attempt}.py"
    open_doc(lsp, uri, text)
    await _wait_idle(http, vllm)
    msg_id = str(uuid.uuid4())
    params: Any = (types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_end_position(text),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked))
        if method == types.TEXT_DOCUMENT_INLINE_COMPLETION else
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=_end_position(text)))
    baseline = await metric_now(vllm.url, "vllm:generation_tokens_total", http)
    future = asyncio.wrap_future(lsp.protocol.send_request(method, params, msg_id=msg_id))
    # Well under way: a few dozen tokens generated for it and no answer yet.
    deadline = time.monotonic() + 60
    while (await metric_now(vllm.url, "vllm:generation_tokens_total", http) < baseline + 32 and not future.done()
           and time.monotonic() < deadline):
        await asyncio.sleep(0.05)
    assert time.monotonic() < deadline, f"vLLM generated nothing for it in 60 s; status {await _status(lsp)}"
    cancelled_at = time.monotonic()
    lsp.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
    try:
        result = await asyncio.wait_for(future, 10)
    except JsonRpcRequestCancelled as exc:
        return (time.monotonic() - cancelled_at) * 1000, exc
    # The model wrote one of the template's stop sequences before the cancel arrived: the answer won.
    print(f"attempt {attempt}: answered before the cancel took effect: {result}")
    return (time.monotonic() - cancelled_at) * 1000, None


async def test_cancel_request_answers_32800_and_stops_generation(lsp: LanguageClient, vllm: EngineInfo) -> None:
    # The test model never ends an answer by itself (no EOS): 2000 tokens keep vLLM busy for seconds,
    # unless it happens to write one of the prompt template's stop sequences. No cache warm-up: its one
    # token after the cancel (a document opened, the engine idle) is not the cancelled request's.
    lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codepal": {
        "completion": {"max_tokens_block": 2000, "deadline_ms": 60000, "temperature": 1.0, "debounce_ms": 0,
                       "warm_cache": "off"}}}))
    await _status(lsp)  # messages are handled in order: the new settings are in place after this
    async with httpx.AsyncClient(timeout=30) as http:
        for attempt in range(5):
            answered_ms, error = await _send_and_cancel_while_generating(lsp, http, vllm, attempt)
            if error is not None:
                break
        assert error is not None, "in 5 attempts every completion ended before its cancel"
        cancelled_at = time.monotonic() - answered_ms / 1000
        assert error.code == -32800
        while (await metric_now(vllm.url, "vllm:num_requests_running", http) > 0
               and time.monotonic() - cancelled_at < 5):
            await asyncio.sleep(0.02)
        stopped_ms = (time.monotonic() - cancelled_at) * 1000
        tokens = await metric_now(vllm.url, "vllm:generation_tokens_total", http)
        await asyncio.sleep(0.5)
        grew = await metric_now(vllm.url, "vllm:generation_tokens_total", http) - tokens
        running = await metric_now(vllm.url, "vllm:num_requests_running", http)
    print(f"{lsp.profile}: -32800 after {answered_ms:.0f} ms (attempt {attempt}); vLLM idle after "  # type: ignore[attr-defined]
          f"{stopped_ms:.0f} ms; tokens after that: {grew}")
    assert running == 0
    assert grew == 0


async def test_typing_storm_sends_few_requests_and_leaves_none_running(
    lsp: LanguageClient, vllm: EngineInfo
) -> None:
    uri = "file:///ws/storm.py"
    text = "def storm(values):\n    total = 0\n    "
    open_doc(lsp, uri, text)
    before = await _status(lsp)
    typed = "for value in values:"
    pending: list[Any] = []
    pending_ids: list[str] = []
    version = 1
    for char in typed[:20]:
        position = _end_position(text)
        text += char
        version += 1
        lsp.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=position, end=position), text=char)]))
        position = _end_position(text)
        if lsp.profile == "vscode":  # type: ignore[attr-defined]
            # VS Code sends $/cancelRequest for the previous inline request when it sends the next one.
            if pending_ids:
                lsp.protocol.notify("$/cancelRequest", types.CancelParams(id=pending_ids[-1]))
            pending_ids.append(str(uuid.uuid4()))
            pending.append(asyncio.wrap_future(lsp.protocol.send_request(
                types.TEXT_DOCUMENT_INLINE_COMPLETION,
                types.InlineCompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=position,
                    context=types.InlineCompletionContext(
                        trigger_kind=types.InlineCompletionTriggerKind.Automatic)),
                msg_id=pending_ids[-1])))
        else:
            pending.append(asyncio.ensure_future(lsp.text_document_completion_async(
                types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position))))
        await asyncio.sleep(0.04)
    results = await asyncio.gather(*pending, return_exceptions=True)
    last_answer = time.monotonic()
    assert not isinstance(results[-1], BaseException), results[-1]
    await asyncio.sleep(0.3)
    running = metric_now_sync(vllm.url, "vllm:num_requests_running")
    after = await _status(lsp)
    sent = after["completions"]["model_requests"] - before["completions"]["model_requests"]
    print(f"{lsp.profile}: 20 keystrokes 40 ms apart → {sent} model requests; "  # type: ignore[attr-defined]
          f"running {running} at {(time.monotonic() - last_answer) * 1000:.0f} ms after the last answer")
    # Far fewer requests than keystrokes (1-3 seen). The target (0.15 per keystroke) is the benchmark's to
    # report: here the count depends on how evenly a shared machine delivers the 40 ms keystrokes.
    assert sent <= 5
    assert running == 0


def _inline_params(uri: str, position: types.Position, trigger: types.InlineCompletionTriggerKind
                   ) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position,
                                        context=types.InlineCompletionContext(trigger_kind=trigger))


# VS Code's profile only: Neovim's classic completion items have no type-through on a request in flight.
@pytest.mark.parametrize("lsp", ["vscode"], indirect=True)
async def test_typing_what_the_stream_writes_keeps_it(lsp: LanguageClient, vllm: EngineInfo) -> None:
    """Type-through on a request in flight, on the real engine: the model's greedy answer at a cursor is
    learnt first; asked again (the cache emptied), a key that types its first character while vLLM is
    still generating keeps the stream: no second model request, no token aborted, the rest shown."""
    settings = {"temperature": 0.0, "max_tokens_block": 64, "max_tokens_line": 64, "deadline_ms": 60000,
                "debounce_ms": 0, "warm_cache": "off"}
    async with httpx.AsyncClient(timeout=30) as http:
        for attempt in range(6):
            text = f"def stream_{attempt}(values):\n    result = "
            uri = f"file:///ws/stream_{attempt}.py"
            # Settings again: a new type-through cache, so the second request goes to the model.
            lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(
                settings={"codepal": {"completion": {**settings, "cache_size": 256 + attempt}}}))
            open_doc(lsp, uri, text)
            position = _end_position(text)
            first = await lsp.text_document_inline_completion_async(
                _inline_params(uri, position, types.InlineCompletionTriggerKind.Invoked))
            items = first.items if isinstance(first, types.InlineCompletionList) else (first or [])
            answer = str(items[0].insert_text) if items else ""
            if len(answer) >= 3 and not answer[0].isspace():
                break
        assert len(answer) >= 3, "the test model gave no usable answer in 6 tries"
        lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"codepal": {"completion": {**settings, "cache_size": 300}}}))
        await _wait_idle(http, vllm)
        before = await _status(lsp)
        tokens = await metric_now(vllm.url, "vllm:generation_tokens_total", http)
        msg_id = str(uuid.uuid4())
        asked = asyncio.wrap_future(lsp.protocol.send_request(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            _inline_params(uri, position, types.InlineCompletionTriggerKind.Automatic), msg_id=msg_id))
        # The key comes once the language server has the stream's first text (its own count, read through
        # the same connection, so the edit after it is handled after that text): vLLM's token counter alone
        # ran ahead of the text reaching the server on a loaded machine, and the key then found nothing
        # to agree with.
        deadline = time.monotonic() + 30
        while (not asked.done() and time.monotonic() < deadline and (await _status(lsp))["completions"]
               ["tokens_streamed"] == before["completions"]["tokens_streamed"]):
            await asyncio.sleep(0.002)
        assert not asked.done(), "answered before a key could be typed"
        lsp.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=position, end=position), text=answer[0])]))
        typed = _end_position(text + answer[0])
        following = asyncio.ensure_future(lsp.text_document_inline_completion_async(
            _inline_params(uri, typed, types.InlineCompletionTriggerKind.Automatic)))
        lsp.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
        result = await asyncio.wait_for(following, 60)
        await _wait_idle(http, vllm)
        after = await _status(lsp)
        generated = await metric_now(vllm.url, "vllm:generation_tokens_total", http) - tokens
    grew = {key: after["completions"][key] - before["completions"][key]
            for key in ("model_requests", "kept_streams", "typed_through_streams", "cancelled_streaming")}
    shown = result.items[0].insert_text if isinstance(result, types.InlineCompletionList) and result.items else None
    print(f"answer {answer[:30]!r}; typed {answer[0]!r} once streamed: {grew}, {generated:.0f} tokens, "
          f"shown {str(shown)[:30]!r}")
    assert grew == {"model_requests": 1, "kept_streams": 1, "typed_through_streams": 1, "cancelled_streaming": 0}
    assert shown is not None and answer.startswith(answer[0] + str(shown)[:2])
