"""The real vLLM test bed: the engine on the tiny test model, run on its own loop in a thread.

Tests get an EngineInfo (URL, key, model) and make their own clients in their own event loops; the
language server and Jupyter subprocesses attach through a state file in a private directory.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from codepal import realmodel
from codepal.config import EngineConfig
from codepal.engine import Engine, EngineInfo
from codepal.testmodel import is_complete, make_test_model

REPO = Path(__file__).resolve().parents[2]


def test_model_dir() -> Path:
    path = Path(os.environ.get("CODEPAL_TEST_MODEL", REPO / ".cache" / "test-model"))
    if not is_complete(path):
        make_test_model(path)
    return path


def real_model_dir() -> Path:
    """The small real model (SmolLM2-135M-Instruct), built once by `make test-model` (here if missing)."""
    path = Path(os.environ.get("CODEPAL_REAL_MODEL", REPO / ".cache" / "real-model"))
    if not realmodel.is_complete(path):
        realmodel.make_real_model(path)
    return path


def test_engine_config(**overrides: object) -> EngineConfig:
    values: dict[str, object] = {
        "model": str(test_model_dir()),
        "served_model_name": "codepal-test",
        "enforce_eager": True,
        "max_model_len": 4096,
        "cpu_kvcache_space_gib": 1,
        "start_timeout_s": 240.0,
    }
    values.update(overrides)
    return EngineConfig.model_validate(values)


class EngineThread:
    """An Engine started and supervised on a private event loop."""

    def __init__(self, config: EngineConfig, state_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="vllm-bed")
        self.engine = Engine(config, state_path=state_path, log_path=state_path.with_name("vllm.log"))

    def start(self) -> EngineInfo:
        self.thread.start()
        return self.call(self.engine.start(), timeout=300)

    def call(self, coro, timeout: float = 60):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        try:
            self.call(self.engine.stop(), timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


# Helpers, not tests (pytest would collect these names where they are imported).
test_model_dir.__test__ = False  # type: ignore[attr-defined]
test_engine_config.__test__ = False  # type: ignore[attr-defined]
