"""JupyterLab's status (GET codepal/status) carries the notice of an engine serving the demo model, found
through the state file as a user's `codepal serve` would leave it (the server itself is the fake here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from codepal.engine.model_choice import demo_notice
from codepal.engine.state import EngineInfo, write_state
from tests.jupyter.helpers import Fetch, wait_ready
from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def codepal_settings(fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(state))
    write_state(EngineInfo(fake_openai.url, None, "fake-model", os.getpid(), "cpu", thinks=False,
                           notice=demo_notice()), state / "engine.json")
    return {}


async def test_status_says_the_demo_model_stands_in(jp_fetch: Fetch) -> None:
    status = await wait_ready(jp_fetch)
    assert "135 M demo model" in status["notice"] and "DeepSeek-R1-Distill-Qwen-1.5B" in status["notice"]
