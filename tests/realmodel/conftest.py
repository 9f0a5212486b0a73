"""The real-model tier: vLLM serving the small real model (SmolLM2-135M-Instruct) as a user without the R1
weights gets it: `codepal serve`'s demo default (no R1 in the Hugging Face cache, the demo model in
codepal's cache dir). One server for this folder's tests, stopped when they are done, so it does not run
beside the tiny model's server longer than needed."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from codepal.engine import EngineInfo
from codepal.engine.model_choice import demo_model_dir
from tests.support.vllm_bed import EngineThread, real_model_dir, test_engine_config


@dataclass(frozen=True)
class DemoBed:
    info: EngineInfo
    state_dir: Path
    env: dict[str, str]  # what a user's surfaces see: no R1 here, the demo model in the cache dir
    ready_s: float


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="package")
def demo_bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBed]:
    base = tmp_path_factory.mktemp("demo-bed")
    env = {"HF_HUB_CACHE": str(base / "empty-hub"), "CODEPAL_CACHE_DIR": str(base / "cache"),
           "CODEPAL_STATE_DIR": str(base / "state"), "HF_HUB_OFFLINE": "1"}
    (base / "state").mkdir(mode=0o700)
    with environment(env):
        demo_model_dir().symlink_to(real_model_dir())  # built by `make test-model`, not again per run
        # The default model (R1), absent: the engine chooses the demo model, as `codepal serve` would.
        bed = EngineThread(test_engine_config(model="deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
                                              served_model_name=None), base / "state" / "engine.json")
        started = time.monotonic()
        info = bed.start()
        ready_s = time.monotonic() - started
    print(f"\nreal-model tier: vLLM on {info.model} ready in {ready_s:.1f} s")
    try:
        yield DemoBed(info, base / "state", env, ready_s)
    finally:
        bed.stop()
