"""Code actions over stdio against the real vLLM test bed (tiny random model: gibberish, so structure,
timing and cancellation are checked, never wording)."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from codepal.engine import EngineInfo
from tests.lsp.actions_helpers import (
    BUG_LINE,
    DOC,
    EditRecorder,
    by_title,
    code_actions,
    cursor,
    diagnostic,
    execute,
    progress_kinds,
    read_code_actions_correctly,
    report_messages,
    server_tokens,
)
from tests.lsp.conftest import PROFILES, open_doc, server_env, start_client, wait_ready
from tests.support.metrics import metric_now

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

SMALL = {"thinking_budget_explain": 32, "thinking_budget_fix": 32, "max_answer_tokens": 64}
# The test model never ends by itself (no EOS, no `</think>`): thinking runs to this budget, seconds.
LARGE = {"thinking_budget_explain": 2048, "max_answer_tokens": 1024}


async def metric(vllm: EngineInfo, name: str) -> float:
    return await metric_now(vllm.url, name)  # async: never block the language client's event loop


async def bed_client(vllm_state_dir: Path, tmp_path: Path, profile: str, assist: dict[str, Any]) -> LanguageClient:
    client = await start_client(server_env(vllm_state_dir), PROFILES[profile](), {"assist": assist}, tmp_path)
    read_code_actions_correctly(client)
    client.profile = profile  # type: ignore[attr-defined]
    status = await wait_ready(client)
    assert status["state"] == "ready", status
    return client


@pytest.fixture(params=list(PROFILES))
async def small(request: pytest.FixtureRequest, vllm_state_dir: Path, tmp_path: Path) -> AsyncIterator[LanguageClient]:
    client = await bed_client(vllm_state_dir, tmp_path, request.param, SMALL)
    yield client
    await client.shutdown_session()


async def test_listing_is_instant_and_asks_the_model_nothing(small: LanguageClient, vllm: EngineInfo) -> None:
    uri = "file:///ws/list.py"
    open_doc(small, uri, DOC)
    # Opening it warms vLLM's prefix cache with its prompt (`completion.warm_cache`): that prefill is the
    # open's, not the listing's, so the count starts once it is done.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (await small.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codepal.status", arguments=[])))["completions"]["warmup"]["documents"]:
        await asyncio.sleep(0.05)
    while await metric(vllm, "vllm:num_requests_running"):
        await asyncio.sleep(0.05)
    prompts_before = await metric(vllm, "vllm:prompt_tokens_total")
    timings = []
    for i in range(20):
        _, ms = await code_actions(small, uri, cursor(BUG_LINE, i % 20), [diagnostic(BUG_LINE)])
        timings.append(ms)
    assert await metric(vllm, "vllm:prompt_tokens_total") == prompts_before
    print(f"\n{small.profile}: codeAction with the engine ready: first {timings[0]:.1f} ms, "  # type: ignore[attr-defined]
          f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms")
    assert statistics.median(timings) < 30


async def test_explain_streams_progress_and_returns_markdown(small: LanguageClient) -> None:
    uri = "file:///ws/explain.py"
    open_doc(small, uri, DOC)
    actions, _ = await code_actions(small, uri, cursor(BUG_LINE, 8))
    before = set(small.progress_reports)
    started = time.monotonic()
    _, future = execute(small, by_title(actions, "Explain").command)  # type: ignore[arg-type]
    result = await asyncio.wait_for(future, 240)
    took = (time.monotonic() - started) * 1000
    assert isinstance(result["markdown"], str) and result["markdown"].strip()
    assert result["thinkingTokens"] > 0 and result["shownIn"] == "document" and result["tokensExact"] is True
    token = server_tokens(small, before)[0]
    kinds = progress_kinds(small, token)
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds, kinds
    reports = report_messages(small, token)
    print(f"\n{small.profile}: explain on the tiny model in {took:.0f} ms, {len(reports)} progress reports, "  # type: ignore[attr-defined]
          f"{len(result['markdown'])} chars; last report: {reports[-1]!r}")


async def test_fix_on_gibberish_is_no_safe_fix_and_the_document_is_untouched(small: LanguageClient) -> None:
    recorder = EditRecorder(small)
    uri = "file:///ws/fix.py"
    open_doc(small, uri, DOC)
    actions, _ = await code_actions(small, uri, cursor(BUG_LINE, 8), [diagnostic(BUG_LINE)])
    started = time.monotonic()
    _, future = execute(small, by_title(actions, "Fix with codepal").command)  # type: ignore[arg-type]
    result = await asyncio.wait_for(future, 240)
    took = (time.monotonic() - started) * 1000
    assert result["applied"] is False and result["message"].startswith("no safe fix found"), result
    assert result["tokensExact"] is True and result["thinkingTokens"] > 0  # counted from vLLM's token ids
    assert "edit" not in result and recorder.edits == []
    state = await small.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codepal.documentState", arguments=[uri]))
    assert state is not None and state["version"] == 1 and state["sha256"] == hashlib.sha256(DOC.encode()).hexdigest()
    assert any("no safe fix found" in m.message for m in small.messages if m.type == types.MessageType.Warning)
    print(f"\n{small.profile}: fix on the tiny model in {took:.0f} ms: {result['message']}")  # type: ignore[attr-defined]


async def _start_streaming_explain(
    client: LanguageClient, vllm: EngineInfo, uri: str, token: str | None
) -> tuple[str, asyncio.Future[Any], Any] | None:
    """Run Explain until vLLM generates for it and progress has been reported; None if it finished first."""
    while await metric(vllm, "vllm:num_requests_running"):  # an earlier test's request, still finishing
        await asyncio.sleep(0.05)
    actions, _ = await code_actions(client, uri, cursor(BUG_LINE, 8))
    before, shown = set(client.progress_reports), len(client.shown_documents)
    msg_id, future = execute(client, by_title(actions, "Explain").command, token=token)  # type: ignore[arg-type]
    deadline = time.monotonic() + 120
    while not future.done() and len(client.shown_documents) == shown and time.monotonic() < deadline:
        used = token or next(iter(server_tokens(client, before)), None)
        if used and "report" in progress_kinds(client, used) and await metric(vllm, "vllm:num_requests_running"):
            return msg_id, future, used
        await asyncio.sleep(0.05)
    result = await asyncio.wait_for(future, 240)
    print(f"the explanation ended before it could be cancelled: {result.get('thinkingTokens')} thinking tokens, "
          f"{len(result.get('markdown', ''))} chars, progress {progress_kinds(client, token or '')}")
    return None


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_cancelling_a_running_explain_stops_generation_on_the_server(
    profile: str, vllm: EngineInfo, vllm_state_dir: Path, tmp_path: Path
) -> None:
    """VS Code cancels with `$/cancelRequest`; Neovim's progress cancel is `window/workDoneProgress/cancel`."""
    client = await bed_client(vllm_state_dir, tmp_path, profile, LARGE)
    try:
        for attempt in range(3):
            uri = f"file:///ws/cancel_{attempt}.py"
            open_doc(client, uri, DOC)
            token = f"vscode-explain-{attempt}" if profile == "vscode" else None
            if (started := await _start_streaming_explain(client, vllm, uri, token)) is not None:
                break
        assert started is not None
        msg_id, future, used = started
        cancelled_at = time.monotonic()
        if profile == "vscode":
            client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        else:
            client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                                   types.WorkDoneProgressCancelParams(token=used))
        with pytest.raises(JsonRpcRequestCancelled) as info:
            await asyncio.wait_for(future, 10)
        answered_ms = (time.monotonic() - cancelled_at) * 1000
        assert info.value.code == -32800
        while await metric(vllm, "vllm:num_requests_running") > 0 and time.monotonic() - cancelled_at < 5:
            await asyncio.sleep(0.02)
        idle_ms = (time.monotonic() - cancelled_at) * 1000
        assert await metric(vllm, "vllm:num_requests_running") == 0
        tokens = await metric(vllm, "vllm:generation_tokens_total")
        await asyncio.sleep(0.5)
        grew = await metric(vllm, "vllm:generation_tokens_total") - tokens
        assert grew == 0
        assert progress_kinds(client, used)[-1] == "end"
        print(f"\n{profile}: explain cancelled: -32800 after {answered_ms:.0f} ms, vLLM idle after "
              f"{idle_ms:.0f} ms, tokens generated after that: {grew:.0f}")
    finally:
        await client.shutdown_session()
