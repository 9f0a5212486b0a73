"""Shared fixtures: the real vLLM test bed (session) and the fault-injecting fake server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codepal.engine import EngineInfo
from tests.support.fake_openai import FakeOpenAI
from tests.support.vllm_bed import EngineThread, test_engine_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _private_codepal_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config or state."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("CODEPAL_CONFIG_FILE", str(base / "no-config.toml"))
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("CODEPAL_CACHE_DIR", str(base / "cache"))


@pytest.fixture(scope="session")
def vllm_bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    """One real vLLM server on the tiny model for the whole session."""
    state_dir = tmp_path_factory.mktemp("vllm-bed")
    bed = EngineThread(test_engine_config(), state_dir / "engine.json")
    bed.start()
    yield bed
    bed.stop()


@pytest.fixture(scope="session")
def vllm(vllm_bed: EngineThread) -> EngineInfo:
    assert vllm_bed.engine.info is not None
    return vllm_bed.engine.info


@pytest.fixture(scope="session")
def vllm_state_dir(vllm_bed: EngineThread) -> Path:
    """A state directory whose engine.json points at the test bed (for subprocess surfaces)."""
    return Path(vllm_bed.engine._state_path).parent  # type: ignore[arg-type]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()
