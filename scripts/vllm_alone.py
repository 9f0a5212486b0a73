"""vLLM alone, on the engine `codepal serve` runs: the reference figures beside codepal's on the same card.

Sends token-id prompts straight to the running engine (found through codepal's state file, like the
editors find it): ghost-text-sized requests cold and while typing, one line, decode speed, and N
simultaneous editors (a closed batch per round). Adapted from the recipe that first ran vLLM on this
project's GPU machine (`../shared/gpu/vllm_serving.py`). Usage: python scripts/vllm_alone.py OUT.json
(aiohttp comes with vLLM; codepal itself does not need it).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from codepal.engine.state import read_state


def _ids(n: int, rng: random.Random, vocab: int) -> list[int]:
    return [rng.randrange(10, vocab) for _ in range(n)]


def summary(xs: list[float]) -> dict[str, Any]:
    xs = sorted(xs)
    return {"p50_ms": round(1000 * statistics.median(xs), 2),
            "p95_ms": round(1000 * xs[min(len(xs) - 1, int(0.95 * len(xs)))], 2), "n": len(xs)}


class Engine:
    def __init__(self, session: aiohttp.ClientSession, url: str, key: str | None, model: str) -> None:
        self.session, self.url, self.model = session, url, model
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def one(self, prompt: list[int], max_tokens: int) -> tuple[float, float, int]:
        """(first token, total, generated tokens) of one streamed completion, in seconds."""
        body = {"model": self.model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0,
                "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True}}
        started = time.perf_counter()
        first = None
        tokens = 0
        async with self.session.post(f"{self.url}/v1/completions", json=body, headers=self.headers) as r:
            r.raise_for_status()
            async for raw in r.content:
                line = raw.decode().strip()
                if not line.startswith("data:") or line == "data: [DONE]":
                    continue
                event = json.loads(line[5:])
                if event.get("choices") and first is None:
                    first = time.perf_counter() - started
                if event.get("usage"):
                    tokens = event["usage"]["completion_tokens"]
        return first or 0.0, time.perf_counter() - started, tokens

    async def hit_rate(self) -> tuple[float, float]:
        async with self.session.get(f"{self.url}/metrics") as r:
            text = await r.text()
        hits = queries = 0.0
        for line in text.splitlines():
            if line.startswith("vllm:prefix_cache_hits_total"):
                hits += float(line.rsplit(" ", 1)[1])
            elif line.startswith("vllm:prefix_cache_queries_total"):
                queries += float(line.rsplit(" ", 1)[1])
        return hits, queries


async def bench(engine: Engine, vocab: int) -> dict[str, Any]:
    rng = random.Random(7)
    out: dict[str, Any] = {}
    for _ in range(5):
        await engine.one(_ids(500, rng, vocab), 16)
    runs = [await engine.one(_ids(1000, rng, vocab), 32) for _ in range(20)]
    out["ghost_cold_1k_32"] = {"ttft": summary([r[0] for r in runs]), "total": summary([r[1] for r in runs])}
    base = _ids(1000, rng, vocab)
    h0, q0 = await engine.hit_rate()
    runs = []
    for _ in range(20):
        base = base + _ids(1, rng, vocab)
        runs.append(await engine.one(base, 32))
    h1, q1 = await engine.hit_rate()
    out["ghost_typing_1k_32"] = {"ttft": summary([r[0] for r in runs]), "total": summary([r[1] for r in runs]),
                                 "prefix_cache_hit_rate": round((h1 - h0) / (q1 - q0), 4) if q1 > q0 else None}
    for tokens in (8, 96):
        runs = [await engine.one(_ids(1000, rng, vocab), tokens) for _ in range(20)]
        out[f"ghost_cold_1k_{tokens}"] = {"total": summary([r[1] for r in runs])}
    runs = [await engine.one(_ids(100, rng, vocab), 1000) for _ in range(3)]
    per_token = statistics.median((r[1] - r[0]) / (r[2] - 1) for r in runs)
    out["decode_1_stream"] = {"ms_per_token": round(1000 * per_token, 3), "tokens_per_s": round(1 / per_token, 1)}
    for editors, tokens in ((16, 32), (64, 32), (256, 32), (256, 96)):
        latencies: list[float] = []
        generated = 0
        started = time.perf_counter()
        for _ in range(3):
            rs = await asyncio.gather(*(engine.one(_ids(1000, rng, vocab), tokens) for _ in range(editors)))
            latencies += [r[1] for r in rs]
            generated += sum(r[2] for r in rs)
        wall = time.perf_counter() - started
        out[f"concurrent_{editors}_{tokens}"] = {
            "total": summary(latencies), "requests_per_s": round(3 * editors / wall, 1),
            "generated_tokens_per_s": round(generated / wall, 1)}
        print(f"vllm alone: {editors} editors x {tokens} tokens: {out[f'concurrent_{editors}_{tokens}']}",
              file=sys.stderr)
    return out


async def main(path: str) -> dict[str, Any]:
    info = read_state()
    if info is None:
        raise SystemExit("no running engine (start one with `codepal serve`)")
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{info.url}/v1/models", headers={"Authorization": f"Bearer {info.api_key}"}) as r:
            r.raise_for_status()
        config = Path(info.model) / "config.json"  # a served folder: its vocabulary; else R1's
        vocab = int(json.loads(config.read_text()).get("vocab_size", 151_936)) if config.is_file() else 151_936
        report = await bench(Engine(session, info.url, info.api_key, info.model), vocab)
    return report


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1]))
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
