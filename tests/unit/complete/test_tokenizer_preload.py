"""The served model's tokenizer loads when the engine becomes ready, on a thread, and the first completion
takes that load instead of starting its own."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import codepal.complete.service as service_module
from codepal.assistant import Assistant
from codepal.client import ModelClient
from codepal.complete.budget import HeuristicCounter, TokenCounter
from codepal.complete.service import CompletionService
from codepal.config import CodepalConfig, CompletionConfig, EngineConfig
from codepal.engine.health import Event


class _SlowLoads:
    """Stands in for `counter_for`: each load takes `seconds` and is recorded with its thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.loads: list[tuple[Path | str | None, str]] = []

    def __call__(self, model_dir: Path | str | None) -> TokenCounter:
        self.loads.append((model_dir, threading.current_thread().name))
        time.sleep(self.seconds)
        return HeuristicCounter(3.0)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> _SlowLoads:
    slow = _SlowLoads(0.2)
    monkeypatch.setattr(service_module, "counter_for", slow)
    return slow


def _service(tmp_path: Path) -> CompletionService:
    (tmp_path / "tokenizer.json").write_text("{}")
    return CompletionService(CompletionConfig(), EngineConfig(model=str(tmp_path)))


def test_a_completion_during_the_preload_waits_for_it_instead_of_loading_again(
        loads: _SlowLoads, tmp_path: Path) -> None:
    service = _service(tmp_path)
    assert service.counter_state() is None
    service.preload("served")
    assert service.counter_state() == "loading"
    started = time.monotonic()
    counter = service.counter("served")
    assert time.monotonic() - started < loads.seconds + 0.15  # the rest of the one load, not a second one
    assert len(loads.loads) == 1 and loads.loads[0][1] == "codepal-tokenizer"
    assert service.counter("served") is counter and service.counter_state() == "HeuristicCounter"
    service.preload("served")  # loaded: nothing more to do
    assert len(loads.loads) == 1


def test_a_preload_for_another_model_is_not_used(loads: _SlowLoads, tmp_path: Path) -> None:
    service = _service(tmp_path)
    service.preload("old-name")
    service.counter("new-name")
    assert [thread for _, thread in loads.loads] == ["codepal-tokenizer", threading.current_thread().name]


def test_the_engine_turning_ready_starts_the_load(loads: _SlowLoads, tmp_path: Path) -> None:
    config = CodepalConfig().merged({"engine": {"model": str(tmp_path)}}, "test")
    assistant = Assistant(config)
    assistant.link.client = ModelClient("http://127.0.0.1:9", None, "served")
    assert assistant.status()["completions"]["token_counter"] is None
    assistant.link.health.apply(Event.PROBE_OK, "ready")
    assert assistant.link.health.state.value == "ready"
    assert assistant.status()["completions"]["token_counter"] == "loading"
    deadline = time.monotonic() + 5
    while assistant.status()["completions"]["token_counter"] == "loading":  # loaded, not yet taken: its kind
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert assistant.status()["completions"]["token_counter"] == "HeuristicCounter"
    assert assistant.completions.counter("served") is not None
    assert len(loads.loads) == 1 and loads.loads[0][1] == "codepal-tokenizer"
