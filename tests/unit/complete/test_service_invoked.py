"""An explicit request (`CompletionRequest.invoked`, an editor's "trigger suggestion") goes to the model
without the typing debounce, and does not count as a keystroke of the user's rhythm."""

from __future__ import annotations

from dataclasses import replace

from codepal.client import ModelClient
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest
from tests.support.fake_openai import Behaviour, FakeOpenAI

SOURCE = "def area(r):\n    \n"
REQUEST = CompletionRequest(SOURCE, SOURCE.index("    \n") + 4, "python", uri="file:///w/area.py")


async def test_only_typed_requests_teach_the_rhythm(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Behaviour(chunks=["return 3.14 * r * r\n"])
    client = ModelClient(fake_openai.url, None, "fake-model")
    service = CompletionService(CompletionConfig(debounce_ms=0, cache_size=0), EngineConfig())
    try:
        for _ in range(3):
            found = await service.complete(replace(REQUEST, invoked=True), client)
            assert found is not None and found.text
        assert REQUEST.uri not in service.policy._last_at and service.policy._gap_mean is None
        for _ in range(3):
            await service.complete(REQUEST, client)
        assert REQUEST.uri in service.policy._last_at and service.policy._gap_mean is not None
    finally:
        await client.aclose()
