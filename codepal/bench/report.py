"""The report: rows of figures (targets first, with pass/miss), as a terminal table and as Markdown,
plus the JSON file and the summary written next to the chart."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codepal.bench.targets import evaluate, lookup

MARKS = {True: "pass", False: "MISS", None: "n/a"}


@dataclass(frozen=True)
class Row:
    section: str
    label: str
    value: str
    target: str = ""
    mark: str = ""
    free: bool = False  # a long line of its own ("label: value"), outside the table's columns


def fmt(value: Any, unit: str = "", percent: bool = False, digits: int | None = None) -> str:
    """A figure for humans: None → "–", fractions as percentages, small ms with more decimals."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if percent:
        return f"{value * 100:.1f} %"
    if digits is None:
        digits = 0 if float(value).is_integer() and unit != "ms" else (2 if abs(value) < 10 else 1)
    text = f"{value:.{digits}f}"
    return f"{text} {unit}" if unit else text


def _pair(report: Mapping[str, Any], a: str, b: str, unit: str = "ms") -> str:
    first, second = lookup(report, a), lookup(report, b)
    return f"{fmt(first, digits=1)} / {fmt(second, digits=1)} {unit}".strip()


def _settings(values: Mapping[str, Any]) -> str:
    """debounce, temperature, max tokens and deadline, as the benchmark ran them."""
    keys = ("debounce_ms", "temperature", "max_tokens_line", "max_tokens_block", "deadline_ms", "cache_size")
    return ", ".join(f"{key} {values[key]}" for key in keys if key in values)


def target_rows(report: Mapping[str, Any]) -> list[Row]:
    return [
        Row("Targets", row["label"],
            f"– (run with {row['needs']})" if row["value"] is None and row["needs"] else
            fmt(row["value"], row["unit"], row["percent"]), row["target"], MARKS[row["pass"]])
        for row in evaluate(report)
    ]


def figure_rows(report: Mapping[str, Any]) -> list[Row]:
    r: list[Row] = []

    def get(key: str) -> Any:
        return lookup(report, key)

    s = "Settings"
    completion = get("meta.options.completion") or {}
    if completion:
        r.append(Row(s, "language servers (typing, type-through)",
                     _settings({"debounce_ms": 40, "temperature": 0.2, "max_tokens_line": 32,
                                "max_tokens_block": 96, "deadline_ms": 3000, **completion}), free=True))
    if get("overhead.settings") is not None:
        r.append(Row(s, "overhead pairs (language server and direct)",
                     _settings({**completion, **(get("overhead.settings") or {})}), free=True))
    if get("deadline.settings") is not None:
        r.append(Row(s, "deadline (service defaults otherwise)", _settings(get("deadline.settings") or {}),
                     free=True))
    s = "Overhead"
    if get("overhead.pairs") is not None:
        s = f"Overhead ({get('overhead.pairs')} interleaved pairs, same prompt, temperature 0)"
        r += [
            Row(s, "direct to vLLM: median / p95",
                _pair(report, "overhead.direct_ms.median", "overhead.direct_ms.p95")),
            Row(s, "through codepal lsp: median / p95",
                _pair(report, "overhead.lsp_ms.median", "overhead.lsp_ms.p95")),
            Row(s, f"added (paired differences, {get('overhead.estimator') or 'end to end'}): median / p95",
                _pair(report, "overhead.added_ms_median", "overhead.added_ms_p95")),
            Row(s, "ratio (paired ratios, the same): median / p95",
                f"{fmt(get('overhead.ratio_median'))} / {fmt(get('overhead.ratio_p95'))}"),
            Row(s, "  standard error of those medians (bootstrap): added / ratio",
                f"{fmt(get('overhead.added_ms_median_se'), 'ms')} / {fmt(get('overhead.ratio_median_se'), digits=3)}"),
            Row(s, "added end to end (paired differences): median / p95 (standard error)",
                f"{_pair(report, 'overhead.end_to_end_added_ms_median', 'overhead.end_to_end_added_ms_p95')}"
                f" ({fmt(get('overhead.end_to_end_added_ms_median_se'), 'ms')})"),
            Row(s, "  of which the engine's own time, codepal's request - direct: median (standard error)",
                f"{fmt(get('overhead.engine_added_ms_median'), 'ms')}"
                f" ({fmt(get('overhead.engine_added_ms_median_se'), 'ms')})"),
            Row(s, "ratio of the two paths' medians / of their p95s",
                f"{fmt(get('overhead.ratio_of_medians'))} / {fmt(get('overhead.ratio_of_p95s'))}"),
            Row(s, "  of which context + prompt build (same prompts, in process), median",
                fmt(get("overhead.prepare_ms.median"), "ms")),
            Row(s, "  time inside the server's complete(), median (server's own count)",
                fmt(get("overhead.server_complete_ms.p50_ms"), "ms")),
            Row(s, "pairs with identical prompt and generated tokens",
                f"{fmt(get('overhead.pairs_with_same_tokens'))} of {fmt(get('overhead.pairs'))}"),
        ]
    s = "Core stages (CPU time of the thread; wall clock also counts other processes' turns)"
    r += [] if get("stages") is None else [
        Row(s, "context + prompt, 2,000-line file: p50 / p95",
            _pair(report, "stages.context_prompt.p50_ms", "stages.context_prompt.p95_ms")),
        Row(s, "  same, wall clock: p50 / p95",
            _pair(report, "stages.context_prompt.wall_p50_ms", "stages.context_prompt.wall_p95_ms")),
        Row(s, "context + prompt, first call (full parse, wall)",
            fmt(get("stages.context_prompt.cold_ms"), "ms")),
        Row(s, "post-processing: p50 / p99", _pair(report, "stages.postprocess.p50_ms", "stages.postprocess.p99_ms")),
        Row(s, "  same, wall clock: p50 / p99",
            _pair(report, "stages.postprocess.wall_p50_ms", "stages.postprocess.wall_p99_ms")),
        Row(s, "token counter of the prompt budget", fmt(get("stages.context_prompt.counter"))),
    ]
    for mode, title in (("fast", "Typing at 40 ms/key"), ("human", "Typing at ~120±60 ms/key with pauses")):
        base = f"typing.{mode}"
        if get(base) is None:
            continue
        s = f"{title} ({fmt(get(base + '.repeats'))} sessions, medians)"
        r += [
            Row(s, "keystrokes / model requests",
                f"{fmt(get(base + '.keystrokes'))} / {fmt(get(base + '.model_requests'))}"),
            Row(s, "model requests per keystroke", fmt(get(base + ".requests_per_keystroke"), digits=3)),
            Row(s, "requests cancelled by the editor / model requests aborted",
                f"{fmt(get(base + '.cancel_sent'))} / {fmt(get(base + '.model_requests_aborted'))}"),
            Row(s, "generated tokens, all sessions / thrown away, of them (median of the sessions' shares)",
                f"{fmt(get(base + '.generated_tokens'))} / {fmt(get(base + '.wasted_fraction'), percent=True)} "
                f"({fmt(get(base + '.wasted_fraction_median'), percent=True)})"),
            Row(s, "streams closed by a key: requests / tokens streamed by then / generated after (medians)",
                f"{fmt(get(base + '.cancelled_streaming'))} / {fmt(get(base + '.tokens_before_cancel'))} / "
                f"{fmt(get(base + '.tokens_after_cancel'))}"),
            Row(s, "last keystroke → shown suggestion, median", fmt(get(base + ".to_shown_ms_median"), "ms")),
            Row(s, "bursts with a suggestion shown",
                f"{fmt(get(base + '.bursts_with_suggestion'))} of {fmt(get(base + '.bursts'))}"),
            Row(s, "requests running 300 ms after the answer (max)", fmt(get(base + ".running_after_300ms_max"))),
            Row(s, "prefix-cache hit rate: completion requests / every request (warm-ups too)",
                f"{fmt(get(base + '.completion_hit_rate'), percent=True)} / "
                f"{fmt(get(base + '.prefix_cache_hit_rate'), percent=True)}"),
            Row(s, "cache warm-ups: requests / tokens prefilled / tokens generated (not in the above)",
                f"{fmt(get(base + '.warmup_requests'))} / {fmt(get(base + '.warmup_prefilled_tokens'))} / "
                f"{fmt(get(base + '.warmup_generated_tokens'))}"),
        ]
    s = "Type-through"
    r += [] if get("type_through") is None else [
        Row(s, "keystrokes typed through shown suggestions", fmt(get("type_through.keystrokes"))),
        Row(s, "answers that continue the suggestion",
            fmt(get("type_through.answers_continuing_suggestion"))),
        Row(s, "latency p95", fmt(get("type_through.latency_ms.p95"), "ms")),
    ]
    s = f"Prefix cache by prompt layout (replayed typing, block size {fmt(get('prefix_cache.block_size'))})"
    if get("prefix_cache.hit_rate_all_requests") is not None:
        r.append(Row(s, "typing sessions: completion requests (the target's figure) / every request, warm-ups "
                        "included / every request after each session's first",
                     f"{fmt(get('prefix_cache.hit_rate'), percent=True)} / "
                     f"{fmt(get('prefix_cache.hit_rate_all_requests'), percent=True)} / "
                     f"{fmt(get('prefix_cache.hit_rate_after_first'), percent=True)}"))
        r.append(Row(s, "typing sessions' cache warm-ups: requests / prompt tokens / of them prefilled (not cached)",
                     f"{fmt(get('prefix_cache.warmup_requests'))} / {fmt(get('prefix_cache.warmup_prompt_tokens'))} / "
                     f"{fmt(get('prefix_cache.warmup_prefilled_tokens'))}"))
    for name in ("codepal", "context_on_top", "stable_only"):
        key = f"prefix_cache.layouts.{name}"
        if get(key) is not None:
            r.append(Row(s, f"{name}: 40 ms / human-like / both (ratio to codepal)",
                         f"{fmt(get(key + '.fast_hit_rate'), percent=True)} / "
                         f"{fmt(get(key + '.human_hit_rate'), percent=True)} / "
                         f"{fmt(get(key + '.hit_rate'), percent=True)} ({fmt(get(key + '.vs_codepal'))})"))
    live = [name for name in ("codepal", "context_on_top", "stable_only")
            if get(f"prefix_cache.layouts.{name}.live_hit_rate") is not None]
    if live:
        r.append(Row(s, f"the server's own request pattern ({fmt(get('prefix_cache.layouts.live_requests.fast'))} + "
                        f"{fmt(get('prefix_cache.layouts.live_requests.human'))} requests): " + " / ".join(live),
                     " / ".join(fmt(get(f"prefix_cache.layouts.{name}.live_hit_rate"), percent=True)
                                for name in live)))
    levels = get("concurrency.levels") or []
    s = "Concurrency (closed loop, one model server)"
    for level in levels:
        plural = "" if level["editors"] == 1 else "s"
        r.append(Row(s, f"{level['editors']} editor{plural}: p50 / p95, requests/s, tokens/s",
                     f"{fmt(level.get('p50_ms'), digits=0)} / {fmt(level.get('p95_ms'), digits=0)} ms, "
                     f"{fmt(level.get('requests_per_s'), digits=2)}, {fmt(level.get('tokens_per_s'), digits=0)}"))
    s = f"Explain / fix (budget {fmt(get('assist.budget'))} thinking tokens vs none; via {get('assist.via')})"
    for kind in ("explain", "fix"):
        for label in ("with_budget", "no_budget"):
            key = f"assist.{kind}_{label}"
            if get(key) is None:
                continue
            r.append(Row(s, f"{kind}, {label.replace('_', ' ')}: first progress / answer text / done",
                         f"{fmt(get(key + '.first_progress_ms'), digits=0)} / "
                         f"{fmt(get(key + '.first_answer_ms'), digits=0)} / "
                         f"{fmt(get(key + '.done_ms'), digits=0)} ms, "
                         f"{fmt(get(key + '.thinking_tokens'), digits=0)} thinking / "
                         f"{fmt(get(key + '.answer_tokens'), digits=0)} answer tok"
                         f"{_counts_note(get(key + '.runs'))}"))
    if get("deadline") is not None:
        s = (f"Slow engine: {get('deadline.model')} on {get('deadline.device')}, deadline "
             f"{fmt(get('deadline.deadline_ms'))} ms, {fmt(get('deadline.fitted.points'))} cursor points of real code")
        for mode, label in (("fitted", "prompt sized to the deadline (default)"), ("full", "full context")):
            r.append(Row(s, f"{label}: answered within the deadline / suggestion shown",
                         f"{fmt(get(f'deadline.{mode}.answered_fraction'), percent=True)} / "
                         f"{fmt(get(f'deadline.{mode}.shown'))} of {fmt(get(f'deadline.{mode}.points'))}"))
        r.append(Row(s, "measured prefill / decode (tokens/s)",
                     f"{fmt(get('deadline.fitted.prefill_tokens_per_s'))} / "
                     f"{fmt(get('deadline.fitted.decode_tokens_per_s'))}"))
        r.append(Row(s, "block completion sized to: prompt tokens / max_tokens",
                     f"{fmt(get('deadline.fitted.block_prompt_tokens'))} / "
                     f"{fmt(get('deadline.fitted.block_max_tokens'))}"))
    s = "Run"
    flips = get("lsp_engine_state_flips")
    r += [
        Row(s, "vLLM start / whole run", f"{fmt(get('meta.server.engine_start_s'), digits=0)} / "
            f"{fmt(get('meta.duration_s'), digits=0)} s"),
        Row(s, "load average (1 min) at start / end",
            f"{fmt((get('meta.loadavg_start') or [None])[0])} / {fmt((get('meta.loadavg_end') or [None])[0])}"),
        Row(s, "engine 'not ready' moments seen by the language servers",
            fmt(len(flips) if isinstance(flips, list) else None)),
    ]
    if isinstance(flips, list) and flips:
        during: dict[str, int] = {}
        for flip in flips:
            during[str(flip.get("during"))] = during.get(str(flip.get("during")), 0) + 1
        r.append(Row(s, "  … during", ", ".join(f"{name} {count}" for name, count in during.items())))
    errors = get("errors") or {}
    for name, error in errors.items():
        r.append(Row(s, f"scenario {name} FAILED", str(error)[:80]))
    return r


def all_rows(report: Mapping[str, Any]) -> list[Row]:
    return target_rows(report) + figure_rows(report)


def format_table(rows: Sequence[Row], title: str = "") -> str:
    """Fixed-width text table, one block per section."""
    table = [row for row in rows if not row.free]
    label_w = max([len(row.label) for row in table] + [10])
    value_w = max([len(row.value) for row in table] + [5])
    target_w = max([len(row.target) for row in table] + [6])
    lines = [title] if title else []
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            lines.append("")
            lines.append(section)
            lines.append("-" * min(120, label_w + value_w + target_w + 12))
        if row.free:
            lines.append(f"  {row.label}: {row.value}")
            continue
        tail = f"  {row.target:<{target_w}}  {row.mark}" if row.target or row.mark else ""
        lines.append(f"  {row.label:<{label_w}}  {row.value:>{value_w}}{tail}".rstrip())
    return "\n".join(lines) + "\n"


def markdown_table(rows: Sequence[Row]) -> str:
    """One Markdown table per section; the targets' table has target and pass/miss columns."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").strip()

    out: list[str] = []
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            targets = any(r.section == section and (r.target or r.mark) for r in rows)
            out += ["", f"**{cell(section)}**", ""]
            out += (["| figure | value | target | |", "| --- | ---: | --- | --- |"] if targets
                    else ["| figure | value |", "| --- | ---: |"])
        if row.target or row.mark:
            mark = {"pass": "✅ pass", "MISS": "❌ miss"}.get(row.mark, row.mark)
            out.append(f"| {cell(row.label)} | {cell(row.value)} | {cell(row.target)} | {mark} |")
        else:
            out.append(f"| {cell(row.label)} | {cell(row.value)} |")
    return "\n".join(out).lstrip("\n") + "\n"


def write(report: dict[str, Any], out: Path, table: str, markdown: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"report": out / "report.json", "table": out / "table.txt", "summary": out / "summary.md"}
    paths["report"].write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    paths["table"].write_text(table, encoding="utf-8")
    paths["summary"].write_text(markdown, encoding="utf-8")
    return paths


def _counts_note(runs: Any) -> str:
    """Whether thinking + answer tokens equalled vLLM's generated tokens in every run."""
    if not isinstance(runs, list) or not runs or any(r.get("counts_match") is None for r in runs):
        return ""
    matched = sum(bool(r.get("counts_match")) for r in runs)
    return f" (= vLLM's generated tokens in {matched}/{len(runs)} runs)"
