"""vLLM /metrics in tests: the benchmark's Prometheus parser, summed over label sets."""

from __future__ import annotations

from codepal.bench.metrics import parse_prometheus, total


def metric_sum(text: str, name: str) -> float:
    """Sum of a metric over its label sets; 0 when vLLM does not report it."""
    return total(parse_prometheus(text), name) or 0.0
