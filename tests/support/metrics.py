"""vLLM /metrics in tests: fetched over HTTP, read by the shared reader (`codepal.client.vllm_metrics`)."""

from __future__ import annotations

import httpx

from codepal.client.vllm_metrics import parse_prometheus, total


def metric_sum(text: str, name: str) -> float:
    """Sum of a metric over its label sets; 0 when vLLM does not report it."""
    return total(parse_prometheus(text), name) or 0.0


async def metric_now(url: str, name: str, http: httpx.AsyncClient | None = None) -> float:
    """One read of a vLLM metric at `url`, through `http` when a test polls with one client. Otherwise a
    client of its own that loads no CA bundle (the server is plain HTTP on loopback): loading one takes a
    CPU-heavy moment that a test polling every 50 ms should not pay each time."""
    if http is not None:
        return metric_sum((await http.get(url + "/metrics")).text, name)
    async with httpx.AsyncClient(timeout=15, verify=False) as own:
        return await metric_now(url, name, own)


def metric_now_sync(url: str, name: str) -> float:
    return metric_sum(httpx.get(url + "/metrics", timeout=15).text, name)
