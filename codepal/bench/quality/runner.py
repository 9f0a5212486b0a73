"""One quality run: build the corpora, start (or attach to) the server, run completion then fix.

By default vLLM is started on the small real model (`.cache/real-model`, SmolLM2-135M-Instruct); any
model folder (`--model-dir`) or running server (`--url`) works. Both sides get the same server, the same
greedy decoding and the same generation budgets; codepal's settings are its defaults except those in
`codepal_options` (no debounce or cache: every point is a fresh request).
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codepal import __version__
from codepal.bench.quality import completion, fixes
from codepal.bench.quality.bugs import pick_bugs
from codepal.bench.quality.cursors import build_corpus
from codepal.bench.quality.programs import PROGRAMS
from codepal.bench.server import Target, attach, log, new_state_dir
from codepal.client import ModelClient
from codepal.config import CodepalConfig, EngineConfig
from codepal.engine import Engine

REAL_MODEL_DIR = Path(".cache") / "real-model"


@dataclass(frozen=True)
class Plan:
    name: str
    python_points: int
    javascript_points: int
    bugs: int
    completion_concurrency: int
    fix_concurrency: int


# Sized from SmolLM2-135M's speed on 2 CPU cores: 21 tokens/s for one sequence, about 78 for 8 at once
# (vLLM batches them), prefill of 540 tokens in 0.4 s, ready in 60-160 s. A point costs both sides up to
# 96 tokens each, so 150 points and 20 fixes fit 10 minutes with the start-up; `--points` asks for more.
PLANS = {
    "full": Plan("full", 100, 50, 20, 12, 6),
    "tiny": Plan("tiny", 4, 2, 2, 2, 2),  # structure only (tests, the tiny random model)
}
TIME_BUDGET_S = 570.0  # the whole run, vLLM's start included; work not started by then is left out
FIX_RESERVE_S = 170.0  # completion points stop starting this long before the end, so fixes get their turn
FIX_TAIL_S = 40.0  # fixes stop starting this long before the end (one takes up to ~30 s)


@dataclass
class Options:
    plan: Plan
    seed: int = 7
    model_dir: Path = REAL_MODEL_DIR
    url: str | None = None
    api_key: str | None = None
    model: str | None = None
    vllm_args: list[str] = field(default_factory=list)
    command: str = "codepal bench --quality"
    # codepal's completion deadline. Quality, not latency, is measured here: requests wait in vLLM's
    # batch behind 11 others, which no editor does, so the default (3 s) would measure the queue.
    deadline_ms: int = 60_000
    answer_tokens: int = 512  # answer budget of a fix, both sides (the model's answers run 100-300)
    time_budget_s: float = TIME_BUDGET_S


def codepal_options(opts: Options) -> dict[str, Any]:
    """codepal's settings in the run: its defaults, but greedy (as the raw side), no debounce or cache
    (every point a fresh request), and the deadline and answer budget above."""
    return {
        "completion": {"debounce_ms": 0, "cache_size": 0, "temperature": 0.0, "deadline_ms": opts.deadline_ms},
        "assist": {"temperature": 0.0, "top_p": 1.0, "max_answer_tokens": opts.answer_tokens},
    }


def model_engine_config(model_dir: Path) -> EngineConfig:
    return EngineConfig.model_validate({
        "model": str(model_dir.resolve()),
        "served_model_name": model_dir.resolve().name,
        "enforce_eager": True,
        "max_model_len": 4096,
        "cpu_kvcache_space_gib": 2,
        "start_timeout_s": 400.0,
    })


async def start_engine(model_dir: Path, extra_args: list[str]) -> Target:
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(
            f"no model in {model_dir}: build the small real model with `codepal make-test-model --real "
            f"{model_dir}`, or pass --model-dir DIR or --url URL")
    config = model_engine_config(model_dir)
    state_dir = new_state_dir()
    engine = Engine(config, extra_args=extra_args, state_path=state_dir / "engine.json",
                    log_path=state_dir / "vllm.log")
    log(f"starting vLLM on {model_dir} ({engine.device})")
    started = time.monotonic()
    try:
        info = await engine.start()
    except BaseException:
        await engine.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
        raise
    elapsed = time.monotonic() - started
    log(f"vLLM ready after {elapsed:.0f} s")
    target = Target(info, state_dir, engine, elapsed,
                    engine_options={"model": config.model, "served_model_name": info.model})
    # The engine's info knows what the engine knows of the model (whether it thinks first).
    target.client = ModelClient(info.url, info.api_key, info.model, thinks=info.thinks, read_timeout=300.0)
    return target


def _progress(label: str, started: float) -> Any:
    step = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - step[0] >= 15:
            step[0] = now
            log(f"{label}: {done}/{total} requests, {now - started:.0f} s")

    return report


async def run_quality(opts: Options) -> dict[str, Any]:
    plan = opts.plan
    started = time.time()
    end = time.monotonic() + opts.time_budget_s
    report: dict[str, Any] = {"meta": {
        "command": opts.command, "plan": asdict(plan), "seed": opts.seed, "codepal": __version__,
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }}
    # The corpus first: a few seconds of CPU that must not compete with vLLM's start-up for the clock.
    corpus_started = time.monotonic()
    points = build_corpus(opts.seed, plan.python_points, plan.javascript_points)
    bugs = pick_bugs(PROGRAMS, plan.bugs, opts.seed)
    report["meta"]["corpus_s"] = round(time.monotonic() - corpus_started, 1)
    log(f"corpus: {len(points)} cursor points, {len(bugs)} bugs")
    target = await (attach(opts.url, opts.api_key, opts.model) if opts.url
                    else start_engine(opts.model_dir, opts.vllm_args))
    try:
        assert target.client is not None
        # The client refuses requests past its in-flight limit (an editor's guard against a stuck
        # server); the benchmark keeps both phases' requests in flight on purpose.
        target.client.max_in_flight = max(target.client.max_in_flight,
                                          plan.completion_concurrency + plan.fix_concurrency)
        engine = {**target.engine_options, **target._secret_options}
        config = CodepalConfig().merged({"engine": engine, **codepal_options(opts)}, "quality benchmark")
        report["meta"]["server"] = {
            "mode": "attached by URL" if opts.url else f"self-started vLLM on {opts.model_dir}",
            "model": target.info.model, "device": target.info.device,
            "engine_start_s": None if target.engine_start_s is None else round(target.engine_start_s, 1),
        }
        public = config.model_dump()
        report["meta"]["settings"] = {"completion": public["completion"], "assist": public["assist"]}
        phase = time.monotonic()
        records, counters = await completion.run(points, target.client, config, plan.completion_concurrency,
                                       _progress("completion", phase), stop_at=end - FIX_RESERVE_S)
        report["meta"]["completion_s"] = round(time.monotonic() - phase, 1)
        report["completion"] = {"summary": completion.summarise(records), "codepal_counters": counters,
                                "points": records}
        phase = time.monotonic()
        fix_records, uncaught = await fixes.run(bugs, target.client, config, plan.fix_concurrency,
                                                _progress("fix", phase), stop_at=end - FIX_TAIL_S)
        report["meta"]["fix_s"] = round(time.monotonic() - phase, 1)
        report["fix"] = {"summary": fixes.summarise(fix_records, uncaught), "bugs": fix_records}
    finally:
        await target.close()
    report["meta"]["duration_s"] = round(time.time() - started, 1)
    report["meta"]["left_out_for_time"] = {
        "cursor_points": len(points) - len(report["completion"]["points"]),
        "bugs": len(bugs) - report["fix"]["summary"]["bugs"] - report["fix"]["summary"]["not_caught_by_check"],
        "time_budget_s": None if math.isinf(opts.time_budget_s) else opts.time_budget_s,
    }
    report["meta"]["corpus"] = {
        "cursor_points": len(points),
        "files": len({p.source for p in points}),
        "by_origin": {origin: sum(p.source.startswith(origin + "/") for p in points)
                      for origin in ("stdlib", "packages", "node_modules")},
    }
    return report


def run(opts: Options) -> dict[str, Any]:
    return asyncio.run(run_quality(opts))
