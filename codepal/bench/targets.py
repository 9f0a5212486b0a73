"""The issue's targets, checked against a report. Tests never assert these; the benchmark reports them."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    key: str  # dotted path into the report
    label: str
    op: str
    limit: float
    unit: str = ""
    percent: bool = False  # the value is a fraction shown as a percentage
    needs: str = ""  # what a run must be given to measure it ("" = every run measures it)

    def describe(self) -> str:
        limit = f"{self.limit * 100:g} %" if self.percent else f"{self.limit:g}{' ' + self.unit if self.unit else ''}"
        return f"{self.op} {limit}"


TARGETS: tuple[Target, ...] = (
    # Outside the engine: each request's own time in vLLM is taken out of its pair (see overhead.py).
    Target("overhead.added_ms_median", "added latency over direct vLLM, median of the pairs", "<=", 3, "ms"),
    Target("overhead.ratio_median", "latency ratio codepal / direct, median of the paired ratios", "<=", 1.05),
    Target("typing.fast.requests_per_keystroke", "typing 40 ms/key: model requests per keystroke", "<=", 0.15),
    Target("typing.fast.wasted_fraction", "typing 40 ms/key: generated tokens thrown away", "<=", 0.10,
           percent=True),
    Target("typing.fast.running_after_300ms_max", "typing 40 ms/key: requests running 300 ms after the answer",
           "==", 0),
    Target("typing.human.requests_per_keystroke", "typing ~120 ms/key with pauses: model requests per keystroke",
           "<=", 0.15),
    Target("typing.human.wasted_fraction", "typing ~120 ms/key with pauses: generated tokens thrown away", "<=",
           0.15, percent=True),
    Target("typing.human.bursts_shown_fraction",
           "typing ~120 ms/key with pauses: pauses with a suggestion shown", ">=", 0.85, percent=True),
    Target("type_through.model_requests", "type-through: model requests", "==", 0),
    Target("type_through.latency_median_ms", "type-through: latency, median", "<=", 2, "ms"),
    Target("prefix_cache.hit_rate",
           "prefix-cache hit rate over the typing sessions' completion requests (tokens; warm-ups apart)", ">=",
           0.90, percent=True),
    Target("stages.postprocess.p99_ms", "post-processing p99 (thread CPU time)", "<", 2, "ms"),
    Target("stages.context_prompt.p50_ms", "context + prompt on a 2,000-line file, median (CPU time)", "<=", 1,
           "ms"),
    Target("stages.context_prompt.p95_ms", "context + prompt on a 2,000-line file, p95 (CPU time)", "<", 10,
           "ms"),
    Target("deadline.fitted.answered_fraction",
           "slow engine (real model, CPU): cursor points answered within the deadline", ">=", 0.90,
           percent=True, needs="--real-model"),
)


def lookup(report: Mapping[str, Any], key: str) -> Any:
    value: Any = report
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def evaluate(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per target: value, target text, and pass (True/False, None when not measured)."""
    rows = []
    for target in TARGETS:
        value = lookup(report, target.key)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        passed = None if number is None else OPS[target.op](float(number), target.limit)
        rows.append({"key": target.key, "label": target.label, "value": number, "target": target.describe(),
                     "unit": target.unit, "percent": target.percent, "pass": passed, "needs": target.needs})
    return rows
