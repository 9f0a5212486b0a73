"""vLLM's Prometheus `/metrics` (text from `ModelClient.metrics()`): parsing, the counters codepal reads,
and their changes between two reads. The one reader for `codepal bench` and the tests.

Parsing is `prometheus_client`'s (vLLM's own exporter); a server that is not vLLM may send lines that
parser rejects, so then each line is read on its own and the ones it rejects are skipped.

`Delta.aborted_tokens` is the generation of requests that never finished: `vllm:generation_tokens_total`
counts every generated token, including those of requests aborted when their HTTP stream was closed (a
cancelled completion), while `vllm:request_generation_tokens` (histogram) only counts requests that finished
(stop, length, …); aborted ones do not reach it in vLLM ≥ 0.11.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

Labels = dict[str, str]
Samples = dict[str, list[tuple[Labels, float]]]

# Current names first, then older vLLM names.
NAMES: dict[str, tuple[str, ...]] = {
    "generation_tokens": ("vllm:generation_tokens_total",),
    "prompt_tokens": ("vllm:prompt_tokens_total",),
    "prefix_cache_queries": ("vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"),
    "prefix_cache_hits": ("vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"),
    "request_generation_tokens_sum": ("vllm:request_generation_tokens_sum",),
    "request_generation_tokens_count": ("vllm:request_generation_tokens_count",),
    # Seconds from a request's arrival in the engine (after tokenising) to its last token, summed over
    # finished requests: with one request between two reads, that request's own time in the engine.
    "engine_seconds": ("vllm:e2e_request_latency_seconds_sum",),
    "running": ("vllm:num_requests_running",),
    "waiting": ("vllm:num_requests_waiting",),
}
_SNAPSHOT_SAMPLES = frozenset(
    {name for names in NAMES.values() for name in names} | {"vllm:request_success_total", "vllm:cache_config_info"})


def _parsed(text: str) -> Iterator[tuple[str, Labels, float]]:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            yield sample.name, dict(sample.labels), float(sample.value)


def parse_prometheus(text: str, only: frozenset[str] | None = None) -> Samples:
    """Prometheus text exposition → {sample name: [(labels, value), …]}; with `only`, just those samples
    (the parser is pure Python: vLLM's ~600 lines, mostly histogram buckets, take it ~10 ms)."""
    if only is not None:
        text = "\n".join(line for line in text.splitlines() if _sample_name(line) in only) + "\n"
    samples: Samples = {}
    try:
        found = list(_parsed(text))
    except ValueError:  # not vLLM's exporter: keep what can be read, line by line
        found = []
        for line in text.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    found += _parsed(line + "\n")
                except ValueError:
                    continue
    for name, labels, value in found:
        samples.setdefault(name, []).append((labels, value))
    return samples


def _sample_name(line: str) -> str:
    return line.split("{", 1)[0].split(None, 1)[0] if line.strip() and not line.startswith("#") else ""


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
    samples = parse_prometheus(text, only=_SNAPSHOT_SAMPLES)
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
    engine_seconds: float | None = None  # the finished requests' time in the engine, summed
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
        engine_seconds=d("engine_seconds"),
        aborted_requests_counted=aborted,
    )
