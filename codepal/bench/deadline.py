"""Suggestions within the deadline on a slow engine: a small real model on the CPU build of vLLM.

At `points` cursor positions (ends of code lines in the second half of real Python files from the
standard library, whose prompts fill the 4,096-token window) codepal's completion service asks for a
suggestion with the default settings and the default 3 s deadline, twice: with the prompt and
`max_tokens` sized from the engine's measured prefill and decode rates (`fitted`, the default), and at
full context (`full`, sizing off). A point counts as answered when the model's answer was complete
before the deadline (post-processing may still show nothing: that share is reported too). Each pass
has its own file paths, so neither finds the other's prompts in vLLM's prefix cache; `fitted` starts
with nothing measured (no warm-up ran), so its first request goes out as the service's probe (on a
machine without a GPU) and counts.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sysconfig
import time
from pathlib import Path
from typing import Any

from codepal.bench.overhead import cursor_positions
from codepal.bench.server import Target, log, new_state_dir, test_model_config
from codepal.client import ModelClient
from codepal.complete.service import CompletionService
from codepal.config import CodepalConfig
from codepal.engine import Engine
from codepal.types import CompletionRequest

FILES = ("argparse.py", "subprocess.py", "pathlib.py", "tarfile.py")  # real code, on every Python
DEADLINE_MS = 3000


def real_files() -> list[tuple[str, str]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [(name, (stdlib / name).read_text(encoding="utf-8")) for name in FILES if (stdlib / name).is_file()]


async def start_engine(model_dir: Path, state_dir: Path) -> Target:
    """vLLM (the CPU build here) on the real model, as the benchmark starts the test model."""
    config = test_model_config(model_dir)
    # The engine turns vLLM's R1 reasoning parser on only for a model with thinking tokens.
    engine = Engine(config, state_path=state_dir / "engine.json", log_path=state_dir / "vllm.log")
    log(f"starting vLLM on the real model {model_dir} ({engine.device})")
    started = time.monotonic()
    info = await engine.start()
    log(f"vLLM ready after {time.monotonic() - started:.0f} s")
    target = Target(info, state_dir, engine, time.monotonic() - started,
                    engine_options={"model": config.model, "served_model_name": info.model})
    target.client = ModelClient(info.url, info.api_key, info.model, read_timeout=120.0)
    return target


async def _pass(target: Target, config: CodepalConfig, fitted: bool,
                points: list[tuple[str, str, int]]) -> dict[str, Any]:
    assert target.client is not None
    service = CompletionService(config.completion, config.engine)
    service.fit_deadline = fitted
    mode = "fitted" if fitted else "full"
    answered = shown = 0
    wall: list[float] = []
    for index, (name, text, offset) in enumerate(points):
        uri = target.uri("deadline", mode, f"{index}-{name}")
        missed = service.stats.deadline_missed
        started = time.monotonic()
        result = await service.complete(CompletionRequest(text, offset, "python", uri=uri), target.client, uri)
        wall.append((time.monotonic() - started) * 1000)
        answered += service.stats.deadline_missed == missed
        shown += result is not None and bool(result.text)
    sizing = service.pace.size(config.engine.max_model_len - config.completion.max_tokens_block - 8,
                               config.completion.max_tokens_block, config.completion.deadline_ms / 1000)
    out = {
        "points": len(points),
        "answered": answered,
        "answered_fraction": round(answered / len(points), 4) if points else None,
        "shown": shown,
        "wall_ms_median": sorted(wall)[len(wall) // 2] if wall else None,
        "prefill_tokens_per_s": _r(service.pace.prefill_rate()),
        "decode_tokens_per_s": _r(service.pace.decode_rate()),
        "block_prompt_tokens": sizing.prompt_tokens if fitted else None,
        "block_max_tokens": sizing.max_tokens if fitted else None,
    }
    log(f"deadline {mode}: {answered} of {len(points)} answered within {config.completion.deadline_ms} ms, "
        f"{shown} shown")
    return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def run(model_dir: Path, points: int = 40) -> dict[str, Any]:
    files = real_files()
    per_file = max(1, points // max(1, len(files)))
    chosen = [(name, text, offset) for name, text in files for offset in cursor_positions(text, per_file)]
    state_dir = new_state_dir()
    try:
        target = await start_engine(model_dir, state_dir)
    except BaseException:
        shutil.rmtree(state_dir, ignore_errors=True)
        raise
    try:
        # The product's defaults (temperature, max_tokens, 3 s deadline), no debounce, no type-through.
        config = CodepalConfig().merged({"engine": target.child_engine_options(),
                                         "completion": {"debounce_ms": 0, "cache_size": 0,
                                                        "deadline_ms": DEADLINE_MS}}, "benchmark options")
        full = await _pass(target, config, False, chosen)
        await asyncio.sleep(1.0)
        fitted = await _pass(target, config, True, chosen)
    finally:
        await target.close()
    return {"model": model_dir.name, "device": target.info.device, "deadline_ms": DEADLINE_MS,
            "files": [name for name, _ in files], "fitted": fitted, "full": full,
            "settings": json.loads(json.dumps({"debounce_ms": 0, "cache_size": 0, "deadline_ms": DEADLINE_MS}))}
