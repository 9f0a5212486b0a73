"""Type-through: the user types the characters of a shown suggestion.

Each trial asks for a suggestion at a cursor (an explicit request, retrying other spots of the file
until the tiny model's answer survives post-processing), then types its characters 40 ms apart with
an inline request after each, as VS Code does. The language server should answer every one from its
type-through cache: no model request, and the rest of the suggestion at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from codepal.bench.editor import INVOKED, Editor, read_answer
from codepal.bench.server import Target
from codepal.bench.stats import summarize
from codepal.bench.typist import line_offset, sample_text, target_lines

MAX_TYPED = 16
INTERVAL_S = 0.04


async def run(editor: Editor, target: Target, trials: int) -> dict[str, Any]:
    text = sample_text()
    spots = list(target_lines(text, 24, start_fraction=0.3))
    latencies: list[float] = []
    typed_total = 0
    consistent = 0
    model_requests = 0
    cache_hits = 0
    done = 0
    tries = 0
    for spot in spots:
        if done >= trials:
            break
        tries += 1
        uri = target.uri("type-through", f"t{tries}", "sample.py")
        editor.open(uri, text)
        offset = line_offset(text, spot) + len(text.splitlines()[spot].strip())  # end of that line
        first = await editor.inline_now(uri, offset, INVOKED)
        suggestion = first.text
        if len(suggestion) < 2:
            editor.close_doc(uri)
            continue
        before = (await editor.status()).get("completions", {})
        previous = None
        for typed, char in enumerate(suggestion[: min(MAX_TYPED, len(suggestion) - 1)], start=1):
            if previous is not None:
                editor.peer.cancel(previous)
            offset = editor.insert(uri, offset, char)
            previous = editor.inline(uri, offset)
            started = time.perf_counter()
            try:
                await asyncio.wait_for(asyncio.shield(previous.future), 10.0)
            except TimeoutError:
                continue
            answer = read_answer(previous)
            if previous.latency_ms is not None:
                latencies.append(previous.latency_ms)
            typed_total += 1
            consistent += answer.text == suggestion[typed:]  # the rest of the same suggestion
            await asyncio.sleep(max(0.0, INTERVAL_S - (time.perf_counter() - started)))
        after = (await editor.status()).get("completions", {})
        model_requests += int(after.get("model_requests", 0)) - int(before.get("model_requests", 0))
        cache_hits += int(after.get("cache_hits", 0)) - int(before.get("cache_hits", 0))
        editor.close_doc(uri)
        done += 1
    summary = summarize(latencies)
    return {
        "trials": done,
        "spots_tried": tries,
        "keystrokes": typed_total,
        "model_requests": model_requests if done else None,
        "cache_hits": cache_hits,
        "answers_continuing_suggestion": consistent,
        "latency_median_ms": summary["median"],
        "latency_ms": summary,
    }
