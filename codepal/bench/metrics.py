"""vLLM's Prometheus `/metrics`: parsing, the counters the benchmark uses, and deltas between snapshots.

Wasted generation is derived from counters, because vLLM has no per-request view of aborted work:

* `vllm:generation_tokens_total` counts every generated token, including those of requests aborted when
  their HTTP stream was closed (a cancelled completion);
* `vllm:request_generation_tokens` (histogram) and `vllm:request_success_total{finished_reason}` only
  count requests that finished (stop, length, …). Aborted requests do not reach them in vLLM ≥ 0.11.

So tokens of aborted requests = Δgeneration_tokens − Δrequest_generation_tokens_sum; finished requests
whose answer the editor never showed (superseded, or emptied by post-processing) are counted at the mean
tokens of a finished request. Requests finished with reason `abort` (older versions) count as aborted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Labels = dict[str, str]
Samples = dict[str, list[tuple[Labels, float]]]

_LINE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')

# Current names first, then older vLLM names.
NAMES: dict[str, tuple[str, ...]] = {
    "generation_tokens": ("vllm:generation_tokens_total",),
    "prompt_tokens": ("vllm:prompt_tokens_total",),
    "prefix_cache_queries": ("vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"),
    "prefix_cache_hits": ("vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"),
    "request_generation_tokens_sum": ("vllm:request_generation_tokens_sum",),
    "request_generation_tokens_count": ("vllm:request_generation_tokens_count",),
    "running": ("vllm:num_requests_running",),
    "waiting": ("vllm:num_requests_waiting",),
}


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def parse_prometheus(text: str) -> Samples:
    """Prometheus text exposition → {metric name: [(labels, value), …]}. Comments and junk are skipped."""
    samples: Samples = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        name, label_text, value_text = match.groups()
        try:
            value = float(value_text)
        except ValueError:
            continue
        labels = {key: _unescape(val) for key, val in _LABEL.findall(label_text[1:-1])} if label_text else {}
        samples.setdefault(name, []).append((labels, value))
    return samples


def total(samples: Samples, name: str, **match: str) -> float | None:
    """Sum of `name` over the label sets that contain `match`; None when the metric is absent."""
    found = samples.get(name)
    if found is None:
        return None
    return sum(value for labels, value in found if all(labels.get(k) == v for k, v in match.items()))


def first_of(samples: Samples, names: tuple[str, ...]) -> float | None:
    for name in names:
        value = total(samples, name)
        if value is not None:
            return value
    return None


@dataclass(frozen=True)
class Snapshot:
    """The counters of one `/metrics` read. `available` is False for servers without vLLM metrics."""

    available: bool
    values: Mapping[str, float | None] = field(default_factory=dict)
    finished: Mapping[str, float] = field(default_factory=dict)  # request_success by finished_reason
    block_size: int | None = None

    def get(self, key: str) -> float | None:
        return self.values.get(key)


def snapshot(text: str | None) -> Snapshot:
    if not text:
        return Snapshot(False)
    samples = parse_prometheus(text)
    values = {key: first_of(samples, names) for key, names in NAMES.items()}
    finished: dict[str, float] = {}
    for labels, value in samples.get("vllm:request_success_total", []):
        reason = labels.get("finished_reason", "unknown")
        finished[reason] = finished.get(reason, 0.0) + value
    block = None
    for labels, _ in samples.get("vllm:cache_config_info", []):
        if labels.get("block_size", "").isdigit():
            block = int(labels["block_size"])
    return Snapshot(values["generation_tokens"] is not None, values, finished, block)


@dataclass(frozen=True)
class Delta:
    """Counter changes between two snapshots (None where a counter is missing)."""

    available: bool
    generation_tokens: float | None = None
    prompt_tokens: float | None = None
    prefix_cache_queries: float | None = None
    prefix_cache_hits: float | None = None
    finished_tokens: float | None = None  # tokens of requests that finished (not aborted)
    finished_requests: float | None = None
    aborted_requests_counted: float = 0.0  # finished_reason="abort", where the server counts them

    @property
    def aborted_tokens(self) -> float | None:
        if self.generation_tokens is None or self.finished_tokens is None:
            return None
        return max(0.0, self.generation_tokens - self.finished_tokens)

    @property
    def hit_rate(self) -> float | None:
        if not self.prefix_cache_queries or self.prefix_cache_hits is None:
            return None
        return self.prefix_cache_hits / self.prefix_cache_queries


def delta(before: Snapshot, after: Snapshot) -> Delta:
    if not (before.available and after.available):
        return Delta(False)

    def d(key: str) -> float | None:
        a, b = after.get(key), before.get(key)
        return None if a is None or b is None else a - b

    reasons = set(before.finished) | set(after.finished)
    changes = {r: after.finished.get(r, 0.0) - before.finished.get(r, 0.0) for r in reasons}
    aborted = changes.pop("abort", 0.0)
    return Delta(
        True,
        generation_tokens=d("generation_tokens"),
        prompt_tokens=d("prompt_tokens"),
        prefix_cache_queries=d("prefix_cache_queries"),
        prefix_cache_hits=d("prefix_cache_hits"),
        finished_tokens=d("request_generation_tokens_sum"),
        finished_requests=sum(changes.values()) if changes else d("request_generation_tokens_count"),
        aborted_requests_counted=aborted,
    )


def wasted_tokens(change: Delta, shown_from_model: int) -> dict[str, Any]:
    """Generated tokens whose result the user never saw, by the method in the module docstring."""
    if not change.available or change.generation_tokens is None:
        return {"generated": None, "aborted": None, "finished_not_shown": None, "wasted": None,
                "fraction": None}
    generated = change.generation_tokens
    aborted = change.aborted_tokens or 0.0
    finished = change.finished_requests or 0.0
    mean = (change.finished_tokens or 0.0) / finished if finished else 0.0
    not_shown = max(0.0, finished - shown_from_model)
    wasted = min(generated, aborted + not_shown * mean)
    return {
        "generated": generated,
        "aborted": round(aborted, 1),
        "finished_requests": finished,
        "finished_not_shown": not_shown,
        "mean_tokens_per_finished": round(mean, 2),
        "wasted": round(wasted, 1),
        "fraction": round(wasted / generated, 4) if generated else 0.0,
    }
