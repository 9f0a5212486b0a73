"""Runs the scenarios in order against one server and assembles the report.

Order: start (or attach to) the server; the core stages (no server traffic); start every language
server the run needs, side by side; overhead; typing sessions (40 ms and human-like, interleaved);
prompt-layout replay; type-through; concurrency; explain/fix. A scenario that fails is recorded under
`errors` and the others still run; the report always has every section.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codepal import __version__
from codepal.bench import assist, concurrency, deadline, layout, overhead, stages, typethrough, wasted
from codepal.bench import typing_session as typing
from codepal.bench.editor import Editor, start_editors
from codepal.bench.server import (
    Target,
    attach,
    child_env,
    log,
    lsp_options,
    new_state_dir,
    start_test_engine,
    test_engine_options,
)
from codepal.bench.stats import median_over_repeats
from codepal.bench.targets import evaluate
from codepal.bench.typist import Script, fast_script, human_script, sample_text

SCENARIOS = ("stages", "overhead", "typing", "layout", "type-through", "concurrency", "assist", "deadline")


@dataclass(frozen=True)
class Plan:
    name: str
    overhead_pairs: int
    fast_repeats: int
    human_repeats: int
    typing_lines: int  # lines typed per 40 ms session
    human_lines: int  # lines typed per human-like session
    type_through_trials: int
    concurrency: tuple[tuple[int, int], ...]  # (editors, requests per editor)
    language_servers: int  # for concurrency; editors beyond this share servers
    assist_repeats: int
    assist_no_budget_repeats: int
    thinking_budget: int
    answer_tokens: int
    stage_lines: int
    postprocess_repeats: int


PLANS = {
    "full": Plan("full", 80, 4, 2, 3, 3, 8, ((1, 12), (4, 8), (16, 4)), 16, 3, 2, 64, 64, 16, 50),
    "quick": Plan("quick", 80, 3, 4, 3, 2, 3, ((1, 6), (4, 4), (16, 2)), 4, 3, 1, 64, 64, 8, 20),
    "smoke": Plan("smoke", 3, 1, 1, 1, 1, 1, ((1, 2), (4, 1)), 2, 1, 1, 16, 16, 2, 3),
}


@dataclass
class Options:
    plan: Plan
    url: str | None = None
    api_key: str | None = None
    model: str | None = None
    test_model: Path = Path(".cache") / "test-model"
    vllm_args: list[str] = field(default_factory=list)
    only: tuple[str, ...] = SCENARIOS
    command: str = ""
    real_model: Path | None = None  # the `deadline` scenario runs only with a real model


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


async def _scenario(name: str, opts: Options, errors: dict[str, str], coro: Any) -> Any:
    if name not in opts.only:
        coro.close()
        return None
    log(f"{name} …")
    started = time.perf_counter()
    try:
        result = await coro
    except Exception as exc:  # one broken scenario must not lose the others' figures
        log(f"{name} failed: {type(exc).__name__}: {exc}")
        errors[name] = f"{type(exc).__name__}: {exc}"
        return None
    finally:
        WINDOWS.append((name, started, time.perf_counter()))
    log(f"{name} done in {time.perf_counter() - started:.0f} s")
    return result


# vLLM start-up phases from which the language servers are started (they take ~5-15 s on a busy
# machine and then probe for the engine with a back-off of at most 10 s).
EARLY_PHASES = ("initialising the engine", "loading weights", "allocating the KV cache",
                "starting the HTTP server", "waiting for /health")
WINDOWS: list[tuple[str, float, float]] = []  # (scenario, perf_counter start, end) of the current run


@dataclass
class LspSet:
    """The language servers of a run: `fast` with the overhead settings (overhead, concurrency), `typist`
    with the defaults (the 40 ms/key sessions, type-through) and `human` with the defaults for the human-like
    sessions: one person types at one rhythm, so the debounce's reading of it (`complete/policy.py`) must not
    carry the robot typist's 40 ms gaps into a human's first keys."""

    fast: list[Editor]
    typist: Editor | None
    human: Editor | None

    @property
    def all(self) -> list[Editor]:
        return self.fast + [editor for editor in (self.typist, self.human) if editor is not None]

    async def close(self) -> None:
        await asyncio.gather(*(editor.close() for editor in self.all), return_exceptions=True)


async def _start_lsps(env: dict[str, str], engine: dict[str, Any], plan: Plan, only: tuple[str, ...]) -> LspSet:
    servers = 0
    if "concurrency" in only:
        servers = plan.language_servers
    elif "overhead" in only:
        servers = 1
    typists = int(bool({"typing", "type-through", "assist"} & set(only))) + int("typing" in only)
    log(f"starting {servers + typists} language servers")
    groups = await asyncio.gather(
        start_editors(servers, env, lsp_options(engine, **overhead.LSP_SETTINGS), timeout=300.0),
        start_editors(typists, env, lsp_options(engine), timeout=300.0),
        return_exceptions=True,
    )
    for group in groups:
        if isinstance(group, BaseException):
            for other in groups:
                if isinstance(other, list):
                    await asyncio.gather(*(editor.close() for editor in other), return_exceptions=True)
            raise group
    fast, typers = groups
    assert isinstance(fast, list) and isinstance(typers, list)
    return LspSet(fast, typers[0] if typers else None, typers[1] if len(typers) > 1 else None)


async def _ready(editors: list[Editor]) -> None:
    """Before a scenario: every language server sees a ready engine (a slow health probe under load
    can make one think the engine is degraded for a moment; such flips are reported)."""
    statuses = await asyncio.gather(*(editor.wait_ready(60.0) for editor in editors))
    for status in statuses:
        if status.get("state") != "ready":
            raise RuntimeError(f"a language server does not see a ready engine: {status.get('message')}")


def _state_flips(editors: list[Editor]) -> list[dict[str, Any]]:
    """Moments a language server saw the engine as not ready, with the scenario running then."""
    flips = []
    for index, editor in enumerate(editors):
        for change in editor.state_changes():
            if change.get("state") == "ready":
                continue
            at = change.get("received_at")
            during = next((name for name, start, end in WINDOWS
                           if isinstance(at, float) and start <= at <= end), "between scenarios")
            flips.append({"language_server": index, "state": change.get("state"), "during": during,
                          "message": str(change.get("message", ""))[:200]})
    return flips


async def _typing(target: Target, fast_editor: Editor, human_editor: Editor, plan: Plan) -> dict[str, Any]:
    text = sample_text()
    runs: dict[str, list[dict[str, Any]]] = {"fast": [], "human": []}
    for index in range(max(plan.fast_repeats, plan.human_repeats)):
        for mode, repeats in (("fast", plan.fast_repeats), ("human", plan.human_repeats)):
            if index >= repeats:
                continue
            # Every session types other lines of the file (see `target_lines`).
            variant = index if mode == "fast" else plan.fast_repeats + index
            script = (fast_script(text, plan.typing_lines, variant=variant) if mode == "fast"
                      else human_script(text, plan.human_lines, seed=7 + index, variant=variant))
            editor = fast_editor if mode == "fast" else human_editor
            result = await typing.play(editor, target, target.uri("typing", f"{mode}-{index}", "sample.py"), script)
            log(f"typing {mode} #{index + 1}: {result['model_requests']} model requests for "
                f"{result['keystrokes']} keys, {result['wasted_fraction']} wasted, "
                f"hit rate {result['prefix_cache_hit_rate']}")
            runs[mode].append(result)
    out: dict[str, Any] = {}
    for mode, mode_runs in runs.items():
        if mode_runs:
            out[mode] = {**median_over_repeats(mode_runs), **pooled_waste(mode_runs), "runs": mode_runs}
    out["prefix_cache"] = prefix_cache_totals([r for rs in runs.values() for r in rs])
    return out


def pooled_waste(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Thrown-away tokens over all sessions of a typist: the share of the tokens they generated together
    (the target's figure), not the median of each session's share. A session has a handful of model
    requests, and one request overtaken by a key decides its share (0 % or 15-40 %), so the median of
    two or three sessions jumps between those; the pooled share weighs each token once. The median of
    the sessions' shares stays as `wasted_fraction_median`."""
    if not sessions or any(r.get(key) is None for r in sessions for key in ("generated_tokens", "wasted_tokens")):
        return {}
    total = sum(float(r["generated_tokens"]) for r in sessions)
    lost = sum(float(r["wasted_tokens"]) for r in sessions)
    shares = sorted(float(r["wasted_fraction"]) for r in sessions)
    middle = len(shares) // 2
    median = shares[middle] if len(shares) % 2 else (shares[middle - 1] + shares[middle]) / 2
    return {"generated_tokens": total, "wasted_tokens": lost,
            "wasted_fraction": round(lost / total, 4) if total else 0.0,
            "wasted_fraction_median": round(median, 4), "sessions": len(sessions)}


def prefix_cache_totals(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The typing sessions' prefix cache together. `hit_rate` (the target's figure) is over the completion
    requests' prompt tokens, what the user waits for; `hit_rate_all_requests` is vLLM's own, cache
    warm-ups included, and `warmup_*` what the warm-ups cost (see `typing_session`)."""
    def total(key: str) -> float:
        return sum(r.get(key) or 0 for r in sessions)

    def rate(hits: float, queries: float) -> float | None:
        return round(hits / queries, 4) if queries else None

    known = all(r.get("completion_prefix_cache_queries") is not None for r in sessions)
    hits, queries = total("completion_prefix_cache_hits"), total("completion_prefix_cache_queries")
    all_hits, all_queries = total("prefix_cache_hits"), total("prefix_cache_queries")
    later_hits, later_queries = total("prefix_cache_hits_after_first"), total("prefix_cache_queries_after_first")
    return {"hits": hits if known else None, "queries": queries if known else None,
            "hit_rate": rate(hits, queries) if known else None,
            "hits_all_requests": all_hits, "queries_all_requests": all_queries,
            "hit_rate_all_requests": rate(all_hits, all_queries),
            "hits_after_first": later_hits, "queries_after_first": later_queries,
            "hit_rate_after_first": rate(later_hits, later_queries),
            **{f"warmup_{key}": int(total(f"warmup_{key}")) for key in (
                "requests", "prompt_tokens", "cached_tokens", "prefilled_tokens", "generated_tokens",
                "unaccounted", "yielded", "stale", "cut_at_edit", "skipped")}}


def _layout_scripts(plan: Plan) -> dict[str, Script]:
    """The typists of the typing sessions, on lines no session typed (variants after theirs)."""
    text = sample_text()
    variant = plan.fast_repeats + plan.human_repeats
    return {"fast": fast_script(text, plan.typing_lines, variant=variant),
            "human": human_script(text, plan.human_lines, seed=5, variant=variant + 1)}


async def run_bench(opts: Options) -> tuple[dict[str, Any], int]:
    """The full report, and 0 (every scenario ran) or 1 (some failed; see `errors`)."""
    plan = opts.plan
    started = time.time()
    WINDOWS.clear()
    errors: dict[str, str] = {}
    report: dict[str, Any] = {
        "meta": {
            "command": opts.command, "plan": asdict(plan), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "codepal": __version__, "python": platform.python_version(), "cpus": os.cpu_count(),
            "loadavg_start": _loadavg(),
        },
    }
    if set(opts.only) <= {"deadline"}:  # no test engine needed
        return await _finish(report, opts, errors, started)
    load_start = time.monotonic()
    lsps: LspSet | None = None
    starting: asyncio.Future[LspSet] | None = None
    if opts.url:
        target = await attach(opts.url, opts.api_key, opts.model)
    else:
        state_dir = new_state_dir()
        env, engine_options = child_env(state_dir), test_engine_options(opts.test_model)

        def early(phase: str) -> None:
            # Language servers take seconds to start on a busy machine: start them while vLLM loads
            # its weights; they find the engine through the state file once it is ready.
            nonlocal starting
            if starting is None and phase in EARLY_PHASES:
                starting = asyncio.ensure_future(_start_lsps(env, engine_options, plan, opts.only))

        try:
            target = await start_test_engine(opts.test_model, opts.vllm_args, state_dir, early)
        except BaseException:
            if starting is not None:  # cancelling closes whatever it had started
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)
            shutil.rmtree(state_dir, ignore_errors=True)
            raise
    try:
        report["meta"]["server"] = {
            "mode": "attached by URL" if opts.url else "self-started vLLM on the tiny test model",
            "model": target.info.model, "device": target.info.device,
            "engine_start_s": None if target.engine_start_s is None else round(target.engine_start_s, 1),
        }
        report["meta"]["options"] = target.public_options()
        if starting is None:
            starting = asyncio.ensure_future(
                _start_lsps(target.child_env(), target.child_engine_options(), plan, opts.only))
        lsps = await starting
        report["meta"]["server"]["setup_s"] = round(time.monotonic() - load_start, 1)
        fast_lsp, typist_lsp = lsps.fast, lsps.typist
        config = target.config()
        report["stages"] = await _scenario("stages", opts, errors, _stages(config, target, plan))

        if fast_lsp:
            await _ready(fast_lsp[:1])
            report["overhead"] = await _scenario("overhead", opts, errors,
                                                 overhead.run(target, fast_lsp[0], plan.overhead_pairs))
        if typist_lsp is not None and lsps.human is not None:
            await _ready([typist_lsp, lsps.human])
            report["typing"] = await _scenario("typing", opts, errors,
                                               _typing(target, typist_lsp, lsps.human, plan))
        layouts = await _scenario("layout", opts, errors,
                                  layout.run(target, _layout_scripts(plan)))
        sessions = (report.get("typing") or {}).get("prefix_cache") or {}
        report["prefix_cache"] = {**sessions, "block_size": (layouts or {}).get("block_size"),
                                  "layouts": layouts}
        if typist_lsp is not None:
            await _ready([typist_lsp])
            report["type_through"] = await _scenario(
                "type-through", opts, errors, typethrough.run(typist_lsp, target, plan.type_through_trials))
        if fast_lsp:
            await _ready(fast_lsp)
            report["concurrency"] = await _scenario(
                "concurrency", opts, errors, concurrency.run(target, fast_lsp, list(plan.concurrency)))
        if typist_lsp is not None:
            await _ready([typist_lsp])
        report["assist"] = await _scenario("assist", opts, errors, assist.run(
            target, plan.assist_repeats, plan.thinking_budget, plan.answer_tokens, plan.assist_no_budget_repeats,
            typist_lsp))
        report["lsp_engine_state_flips"] = _state_flips(lsps.all)
    finally:
        if lsps is None and starting is not None:
            await asyncio.gather(starting, return_exceptions=True)
            if starting.done() and not starting.cancelled() and starting.exception() is None:
                lsps = starting.result()
        if lsps is not None:
            await lsps.close()
        await target.close()
    return await _finish(report, opts, errors, started)


async def _finish(report: dict[str, Any], opts: Options, errors: dict[str, str],
                  started: float) -> tuple[dict[str, Any], int]:
    if opts.real_model is not None:  # after the test engine has gone: it would share the CPU
        report["deadline"] = await _scenario("deadline", opts, errors, deadline.run(opts.real_model))
    for key in ("stages", "overhead", "typing", "prefix_cache", "type_through", "concurrency", "assist",
                "lsp_engine_state_flips", "deadline"):
        report.setdefault(key, None)
    report["targets"] = evaluate(report)
    report["errors"] = errors
    report["methods"] = {name: (module.__doc__ or "").strip() for name, module in (
        ("overhead", overhead), ("stages", stages), ("typing", typing), ("type_through", typethrough),
        ("prefix_cache_layouts", layout), ("concurrency", concurrency), ("assist", assist),
        ("deadline", deadline),
        ("wasted_tokens", wasted))}
    report["meta"]["duration_s"] = round(time.time() - started, 1)
    report["meta"]["loadavg_end"] = _loadavg()
    return report, (1 if errors else 0)


async def _stages(config: Any, target: Target, plan: Plan) -> dict[str, Any]:
    # Plain functions (CPU only); run here, between server start and the first request.
    return {
        "context_prompt": stages.context_prompt(config, target.info.model, plan.stage_lines),
        "postprocess": stages.postprocess_timing(plan.postprocess_repeats),
    }
