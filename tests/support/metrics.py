"""vLLM /metrics in tests: the benchmark's Prometheus parser, summed over label sets."""

from __future__ import annotations

import httpx

from codepal.bench.metrics import parse_prometheus, total


def metric_sum(text: str, name: str) -> float:
    """Sum of a metric over its label sets; 0 when vLLM does not report it."""
    return total(parse_prometheus(text), name) or 0.0


async def metric_now(url: str, name: str) -> float:
    """One read of a vLLM metric at `url`. No CA bundle is loaded (the server is plain HTTP on loopback):
    loading one takes a CPU-heavy moment that a test polling every 50 ms should not pay each time."""
    async with httpx.AsyncClient(timeout=15, verify=False) as http:
        return metric_sum((await http.get(url + "/metrics")).text, name)


def metric_now_sync(url: str, name: str) -> float:
    return metric_sum(httpx.get(url + "/metrics", timeout=15).text, name)
