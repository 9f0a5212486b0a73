"""Overhead: the same completion straight to vLLM and through `codepal lsp`, side by side.

For each cursor position the baseline sends the exact prompt codepal builds (`CompletionService.prepare`
with the language server's own settings) with the same `max_tokens`, `stop` and temperature 0, the
way the core's client streams it; the other path asks `codepal lsp` for an inline completion there
(the same prompt, built inside the server). Before each pair the prompt is prefilled once (one
token, not measured) so both find it in vLLM's prefix cache, and the two alternate which goes first,
so the machine's noise falls on both alike. Each request runs alone, so the vLLM counters read
between requests show each one's prompt and generated tokens: a pair counts as matched when both
sent the same number of prompt tokens and generated the same number of tokens.

The figures are paired: the added latency is the median (and p95) of the pairs' differences and the
ratio the median (and p95) of the pairs' ratios, so the drift of vLLM's own time between pairs (tens of
percent here) cancels out; the ratio of the two paths' separate medians is reported beside it. The
counters also give each request's own time in the engine, and a pair's difference is taken outside it
(`paired_figures`): the engine's jitter from one request to the next would otherwise swamp a few ms.

The language server runs with `debounce_ms: 0` (the debounce is a deliberate wait, measured in the
typing session) and `cache_size: 0` (every position is new anyway; no type-through hit can skew it);
its requests are explicit (`triggerKind` Invoked), which the adaptive debounce of typing never delays.
Both requests of a pair start after the same quiet time (`QUIET_S`, once the counters have settled,
longer than the pause that ends a burst of typing), so neither finds vLLM busier or more rested than
the other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from codepal.bench.editor import INVOKED, Editor
from codepal.bench.server import Target, log
from codepal.bench.stats import (
    median,
    median_standard_error,
    paired_differences,
    paired_ratios,
    percentile,
    ratio,
    summarize,
)
from codepal.bench.typist import sample_text
from codepal.client import vllm_metrics as vm
from codepal.complete.policy import TYPING_GAP_S
from codepal.complete.service import CompletionService, PreparedPrompt
from codepal.text.lines import split_lines
from codepal.types import CompletionRequest

LSP_SETTINGS = {"debounce_ms": 0, "cache_size": 0}
QUIET_S = TYPING_GAP_S + 0.05  # before each request of a pair, after the counters settle


def cursor_positions(text: str, count: int) -> list[int]:
    """Ends of non-blank lines in the second half of `text`, evenly spread, `count` of them."""
    lines = split_lines(text, keepends=True)
    ends: list[int] = []
    offset = 0
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if number >= len(lines) // 2 and body.strip() and not body.strip().startswith("#"):
            ends.append(offset + len(body))
        offset += len(line)
    if len(ends) <= count:
        return ends
    step = len(ends) / count
    return [ends[int(i * step)] for i in range(count)]


async def direct(target: Target, prepared: PreparedPrompt, temperature: float) -> tuple[float, str]:
    """The baseline: the prompt straight to the server, streamed as the core's client streams it."""
    assert target.client is not None
    pieces: list[str] = []
    started = time.perf_counter()
    async for chunk in target.client.stream_completion(
        prepared.rendered.prompt, max_tokens=prepared.max_tokens, temperature=temperature,
        stop=prepared.rendered.stop,
    ):
        pieces.append(chunk.text)
        if prepared.single_line and "\n" in "".join(pieces).lstrip("\n"):
            break
    return (time.perf_counter() - started) * 1000, "".join(pieces)


async def warm(target: Target, prepared: PreparedPrompt) -> None:
    """Prefill the prompt once (one token, unmeasured), so both paths find it in vLLM's prefix cache:
    otherwise whichever goes first pays the prefill and the pair's difference is mostly that."""
    assert target.client is not None
    async for _ in target.client.stream_completion(prepared.rendered.prompt, max_tokens=1, temperature=0.0):
        pass


async def settled(target: Target, timeout: float = 5.0) -> vm.Snapshot:
    """Counters once nothing runs any more and the last request's tokens are booked."""
    deadline = time.monotonic() + timeout
    previous: vm.Snapshot | None = None
    while True:
        current = vm.snapshot(await target.metrics_text())
        if not current.available:
            return current
        idle = not current.get("running")
        if idle and previous is not None and previous.values == current.values:
            return current
        if time.monotonic() > deadline:
            return current
        previous = current
        await asyncio.sleep(0.02)


async def run(target: Target, editor: Editor, pairs: int, warmup: int = 2) -> dict[str, Any]:
    """`editor` must run with LSP_SETTINGS."""
    config = target.config(**LSP_SETTINGS)
    service = CompletionService(config.completion, config.engine)
    text = sample_text()
    uri = target.uri("overhead", "sample.py")
    try:
        editor.open(uri, text)
        positions = cursor_positions(text, pairs + warmup)
        lsp_ms: list[float] = []
        direct_ms: list[float] = []
        engine_ms: dict[str, list[float]] = {"lsp": [], "direct": []}  # each request's own time in vLLM
        matched = 0
        skipped = 0
        prepare_ms: list[float] = []
        empty_lsp = 0
        before_status = await editor.status()
        for index, offset in enumerate(positions):
            request = CompletionRequest(text=text, offset=offset, language="python", uri=uri)
            started = time.perf_counter()
            prepared = service.prepare(request, target.info.model)
            prepare_ms.append((time.perf_counter() - started) * 1000)
            await warm(target, prepared)
            tokens: dict[str, tuple[float | None, float | None]] = {}
            in_engine: dict[str, float | None] = {}
            order = ("direct", "lsp") if index % 2 == 0 else ("lsp", "direct")
            times: dict[str, float] = {}
            for path in order:
                before = await settled(target)
                # The same quiet time before either request: a vLLM server (and a process) idle for a
                # while answers later than one that has just answered the counters' poll.
                await asyncio.sleep(QUIET_S)
                if path == "direct":
                    times[path], _ = await direct(target, prepared, config.completion.temperature)
                else:
                    answer = await editor.inline_now(uri, offset, INVOKED)
                    assert answer.pending.latency_ms is not None
                    times[path] = answer.pending.latency_ms
                    empty_lsp += 0 if answer.items else 1
                change = vm.delta(before, await settled(target))
                tokens[path] = (change.prompt_tokens, change.generation_tokens)
                in_engine[path] = None if change.engine_seconds is None else change.engine_seconds * 1000
            if index < warmup:
                continue
            if tokens["lsp"][0] == 0:  # answered without asking the model (engine not ready for it)
                skipped += 1
                continue
            direct_ms.append(times["direct"])
            lsp_ms.append(times["lsp"])
            if in_engine["lsp"] is not None and in_engine["direct"] is not None:
                engine_ms["lsp"].append(in_engine["lsp"])
                engine_ms["direct"].append(in_engine["direct"])
            matched += tokens["direct"] == tokens["lsp"] and tokens["direct"][0] is not None
        after_status = await editor.status()
    finally:
        editor.close_doc(uri)
    complete_engine = len(engine_ms["lsp"]) == len(lsp_ms)
    direct_summary, lsp_summary = summarize(direct_ms), summarize(lsp_ms)
    model_requests = (after_status.get("completions", {}).get("model_requests", 0)
                      - before_status.get("completions", {}).get("model_requests", 0))
    result = {
        "pairs": len(lsp_ms),
        "direct_ms": direct_summary,
        "lsp_ms": lsp_summary,
        **paired_figures(lsp_ms, direct_ms, engine_ms["lsp"] if complete_engine else None,
                         engine_ms["direct"] if complete_engine else None),
        "p95_difference_ms": _round(_diff(lsp_summary["p95"], direct_summary["p95"])),
        # The same from the two paths' separate distributions (reported, not the target).
        "ratio_of_medians": ratio(lsp_summary["median"], direct_summary["median"]),
        "ratio_of_p95s": ratio(lsp_summary["p95"], direct_summary["p95"]),
        "prepare_ms": summarize(prepare_ms[warmup:]),
        # The server's own view: time inside the core's complete() (context, prompt, model, post-processing).
        "server_complete_ms": (after_status.get("completions", {}).get("latency") or {}),
        "samples": {"direct_ms": [round(x, 2) for x in direct_ms], "lsp_ms": [round(x, 2) for x in lsp_ms],
                    "direct_engine_ms": [round(x, 2) for x in engine_ms["direct"]],
                    "lsp_engine_ms": [round(x, 2) for x in engine_ms["lsp"]]},
        "pairs_with_same_tokens": matched,
        "lsp_empty_answers": empty_lsp,
        "pairs_skipped_no_model_request": skipped,
        "lsp_model_requests": model_requests,
        "settings": {**LSP_SETTINGS, "quiet_before_each_request_ms": round(QUIET_S * 1000)},
    }
    log(f"overhead: direct {direct_summary['median']} ms, lsp {lsp_summary['median']} ms (median)")
    return result


def paired_figures(lsp_ms: Sequence[float], direct_ms: Sequence[float], lsp_engine_ms: Sequence[float] | None,
                   direct_engine_ms: Sequence[float] | None) -> dict[str, Any]:
    """The added latency and ratio of each pair (medians, p95s, bootstrap standard errors).

    With each request's own time in the engine (vLLM's `e2e_request_latency`, from its arrival after
    tokenising to its last token), a pair's added latency is the difference of the two requests' time
    outside the engine: what the language server and the path through it add. The engine's time for the
    same prompt swings by ±10 ms from one request to the next on a CPU, which no pairing cancels and
    which buried a 2-3 ms difference (standard error 1.1-1.5 ms at 80 pairs, 0.2 ms with it taken out).
    Whether codepal's path makes the engine itself slower is read apart (`engine_added_ms_*`); the
    end-to-end differences are kept beside (`end_to_end_*`). Without engine times the end-to-end
    differences are the figures."""
    end_to_end = paired_differences(lsp_ms, direct_ms)
    figures: dict[str, Any] = {
        "end_to_end_added_ms_median": _round(median(end_to_end)),
        "end_to_end_added_ms_p95": _round(percentile(end_to_end, 0.95)),
        "end_to_end_added_ms_median_se": _round(median_standard_error(end_to_end)),
        "end_to_end_ratio_median": _round(median(paired_ratios(lsp_ms, direct_ms))),
    }
    if lsp_engine_ms is None or direct_engine_ms is None:
        added, estimator = end_to_end, "end to end"
    else:
        engine = paired_differences(lsp_engine_ms, direct_engine_ms)
        added = paired_differences(end_to_end, engine)
        estimator = "outside the engine"
        figures |= {"engine_added_ms_median": _round(median(engine)),
                    "engine_added_ms_median_se": _round(median_standard_error(engine))}
    # Each pair's ratio as if the engine had taken the direct request's time for both.
    ratios = paired_ratios([direct + extra for direct, extra in zip(direct_ms, added, strict=True)], direct_ms)
    return figures | {
        "estimator": estimator,
        "added_ms_median": _round(median(added)),
        "added_ms_p95": _round(percentile(added, 0.95)),  # of the paired differences
        # How far another run's medians may fall on this machine (bootstrap): the targets' margin to read them by.
        "added_ms_median_se": _round(median_standard_error(added)),
        "ratio_median": _round(median(ratios)),
        "ratio_p95": _round(percentile(ratios, 0.95)),
        "ratio_median_se": _round(median_standard_error(ratios), 4),
    }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
