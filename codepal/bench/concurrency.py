"""Concurrency: N simulated editors, each its own `codepal lsp`, on one model server.

Every editor asks for an inline completion at a new spot of its own document as soon as the previous
answer arrived (a closed loop, no think time), so the server always has N requests to serve. Latency
is each request's round trip as the editor sees it; throughput is answered requests (and vLLM's
generated tokens) per second of wall time. The servers run with the overhead scenario's settings
(`debounce_ms: 0`, `cache_size: 0`), so every request reaches the model; the requests are explicit
(`triggerKind` Invoked), so back-to-back ones are not taken for typing and debounced. A full run gives every
editor its own server; `--quick` and `--smoke` start fewer servers and let editors share them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from codepal.bench.editor import INVOKED, Editor
from codepal.bench.overhead import LSP_SETTINGS, cursor_positions, settled
from codepal.bench.server import Target, log
from codepal.bench.stats import ratio, summarize
from codepal.bench.typist import sample_text
from codepal.client import vllm_metrics as vm


async def _editor_loop(editor: Editor, uri: str, positions: list[int], latencies: list[float]) -> int:
    empty = 0
    for offset in positions:
        answer = await editor.inline_now(uri, offset, INVOKED, timeout=120.0)
        if answer.pending.latency_ms is not None:
            latencies.append(answer.pending.latency_ms)
        empty += 0 if answer.items else 1
    return empty


async def level(servers: list[Editor], count: int, target: Target, requests_each: int) -> dict[str, Any]:
    """`count` editors (documents) spread over `servers` language servers, round robin."""
    text = sample_text()
    spots = cursor_positions(text, max(8, requests_each * 2))
    sessions = [(servers[i % len(servers)], target.uri("concurrency", f"n{count}-e{i}", "sample.py"))
                for i in range(count)]
    for editor, uri in sessions:
        editor.open(uri, text)
    # Each editor starts at a different spot, so no two send the same prompt at the same moment.
    plans = [[spots[(i * 3 + k) % len(spots)] for k in range(requests_each)] for i in range(count)]
    latencies: list[float] = []
    before = await settled(target)
    started = time.perf_counter()
    empties = await asyncio.gather(*(
        _editor_loop(editor, uri, plan, latencies)
        for (editor, uri), plan in zip(sessions, plans, strict=True)
    ))
    wall = time.perf_counter() - started
    change = vm.delta(before, await settled(target))
    for editor, uri in sessions:
        editor.close_doc(uri)
    summary = summarize(latencies)
    tokens = change.generation_tokens
    return {
        "editors": count,
        "language_servers": min(count, len(servers)),
        "requests": len(latencies),
        "empty_answers": sum(empties),
        "p50_ms": summary["median"],
        "p95_ms": summary["p95"],
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 3) if wall else None,
        "tokens_per_s": None if tokens is None or not wall else round(tokens / wall, 1),
    }


async def run(target: Target, servers: list[Editor], levels: list[tuple[int, int]]) -> dict[str, Any]:
    """`levels`: (editors, requests per editor) pairs, e.g. [(1, 8), (4, 6), (16, 3)]. With fewer
    `servers` than editors, editors share servers (one document each; each document is its own
    latest-wins key in the server)."""
    results: list[dict[str, Any]] = []
    for count, requests_each in levels:
        result = await level(servers, count, target, requests_each)
        log(f"concurrency {count}: p50 {result['p50_ms']} ms, {result['requests_per_s']} req/s")
        results.append(result)
    base = results[0] if results else {}
    for result in results:
        result["p50_vs_1"] = ratio(result["p50_ms"], base.get("p50_ms"))
        result["throughput_vs_1"] = ratio(result["requests_per_s"], base.get("requests_per_s"))
    return {"levels": results, "language_servers": len(servers), "settings": dict(LSP_SETTINGS)}
