"""The answer is post-processed when the server says it is complete (its finish reason), while the
stream's end is still on its way; the suggestion is still given at the stream's end, and is the one the
whole stream's text gives."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

import codepal.complete.service as service_module
from codepal.client import ModelClient
from codepal.complete.postprocess import postprocess
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest
from tests.support.fake_openai import Behaviour, FakeOpenAI

SOURCE = "def area(r):\n    \n"
CURSOR = SOURCE.index("    \n") + 4
REQUEST = CompletionRequest(SOURCE, CURSOR, "python", uri="file:///w/area.py")
STREAM_END_S = 0.3  # between the finish reason and the stream's end


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, str]]:
    """When the service post-processed which raw text."""
    seen: list[tuple[float, str]] = []

    def recorded(prefix: str, suffix: str, completion: str, language: str, **options: Any) -> str:
        seen.append((time.monotonic(), completion))
        return postprocess(prefix, suffix, completion, language, **options)

    monkeypatch.setattr(service_module, "postprocess", recorded)
    return seen


async def _complete(client: ModelClient) -> tuple[str, float]:
    service = CompletionService(CompletionConfig(debounce_ms=0, cache_size=0), EngineConfig())
    try:
        found = await service.complete(REQUEST, client)
    finally:
        await client.aclose()
    return (found.text if found else ""), time.monotonic()


async def test_the_answer_is_post_processed_before_the_stream_ends(
        fake_openai: FakeOpenAI, calls: list[tuple[float, str]]) -> None:
    fake_openai.default = Behaviour(chunks=["return 3.14", " * r * r\n\n\n"], keep_alive=True,
                                    chunk_delay_s=STREAM_END_S / 2)
    text, answered_at = await _complete(ModelClient(fake_openai.url, None, "fake-model"))
    assert text == postprocess(SOURCE[:CURSOR], SOURCE[CURSOR:], "return 3.14 * r * r\n\n\n", "python") != ""
    assert [raw for _, raw in calls] == ["return 3.14 * r * r\n\n\n"]  # once: made early, used at the end
    assert answered_at - calls[0][0] >= STREAM_END_S / 2 * 0.8  # the finish event came a wait before the end


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events) + b"data: [DONE]\n\n"


async def test_text_after_the_finish_reason_is_not_lost(calls: list[tuple[float, str]]) -> None:
    """A server that sends text after its finish reason: the suggestion is made again from all of it."""
    body = _sse({"choices": [{"index": 0, "text": "return 1", "finish_reason": "stop"}]},
                {"choices": [{"index": 0, "text": " + r", "finish_reason": None}]})

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    client = ModelClient("http://model.invalid", None, "m", transport=httpx.MockTransport(answer))
    text, _ = await _complete(client)
    assert [raw for _, raw in calls] == ["return 1", "return 1 + r"]
    assert text == postprocess(SOURCE[:CURSOR], SOURCE[CURSOR:], "return 1 + r", "python") != ""
