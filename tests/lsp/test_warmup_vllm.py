"""Cache warm-up through `codepal lsp` and the real vLLM test bed: a document just opened is prefilled while
the engine is idle, its usage is counted, and the first completion in it finds the code above its cursor
in vLLM's prefix cache (a new document's prompt finds nothing there otherwise: its path is the first line)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from codepal.bench.typist import sample_text, target_lines
from codepal.engine import EngineInfo
from codepal.text import split_lines
from tests.lsp.conftest import open_doc
from tests.support.metrics import metric_now

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


async def _warmup(client: LanguageClient) -> dict[str, Any]:
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codepal.status", arguments=[]))
    return dict(status["completions"]["warmup"])


async def _cache(http: httpx.AsyncClient, vllm: EngineInfo) -> tuple[float, float]:
    while await metric_now(vllm.url, "vllm:num_requests_running", http):
        await asyncio.sleep(0.05)
    return (await metric_now(vllm.url, "vllm:prefix_cache_hits_total", http),
            await metric_now(vllm.url, "vllm:prefix_cache_queries_total", http))


async def test_an_opened_document_is_warmed_and_its_first_completion_hits_the_cache(
    lsp: LanguageClient, vllm: EngineInfo
) -> None:
    text = sample_text()
    uri = f"file:///ws/warm_{uuid.uuid4().hex[:8]}.py"
    before = await _warmup(lsp)
    open_doc(lsp, uri, text)
    deadline = time.monotonic() + 60
    while (after := await _warmup(lsp))["documents"] <= before["documents"] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    warmed = {key: after[key] - before.get(key, 0) for key in after}
    assert warmed["documents"] == 1, warmed
    assert warmed["unaccounted"] == 0 and warmed["requests"] >= 1, warmed  # vLLM reported its cached tokens
    assert warmed["prompt_tokens"] > 1000 and warmed["cached_tokens"] < warmed["prompt_tokens"], warmed
    assert warmed["generated_tokens"] == warmed["requests"]  # one token each

    line = target_lines(text, 3)[-1]  # deep in the file: most of the prompt is above the cursor
    indent = len(split_lines(text)[line]) - len(split_lines(text)[line].lstrip(" "))
    async with httpx.AsyncClient(timeout=30) as http:
        hits, queries = await _cache(http, vllm)
        result = await lsp.text_document_inline_completion_async(types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=indent),
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
        hits_after, queries_after = await _cache(http, vllm)
    rate = (hits_after - hits) / max(1.0, queries_after - queries)
    print(f"\n{lsp.profile}: warm-up {warmed}; the completion at line {line + 1}: "  # type: ignore[attr-defined]
          f"{queries_after - queries:.0f} prompt tokens, {rate:.1%} from the cache; answer {result}")
    assert queries_after - queries > 500  # the completion reached the model
    assert rate >= 0.8
