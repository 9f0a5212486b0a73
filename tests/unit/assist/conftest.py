"""Fixtures for the explain/fix tests: a model client on the scripted fake server, a small config."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from codepal.client import ModelClient
from codepal.config import AssistConfig
from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
async def client(fake_openai: FakeOpenAI) -> AsyncIterator[ModelClient]:
    model_client = ModelClient(fake_openai.url, None, "fake-model", read_timeout=5.0)
    yield model_client
    await model_client.aclose()


@pytest.fixture
def config() -> AssistConfig:
    return AssistConfig(thinking_budget_explain=64, thinking_budget_fix=64, max_answer_tokens=256)
