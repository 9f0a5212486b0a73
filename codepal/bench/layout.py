"""Prompt layout vs vLLM's prefix cache: the same typing replayed straight to vLLM with three layouts.

The typing scripts (40 ms/key and human-like) are replayed without a language server: after every
keystroke that a debouncing server would let through (the next key comes ≥ 150 ms later, or the
burst ends) the prompt is rendered and sent with `max_tokens: 1` (only the prompt's prefill matters
here). Layouts:

* `codepal` — exactly what codepal sends (`CompletionService.prepare`): the file path and imports in
  a comment block on top, then the code, with the signatures of names near the cursor and the
  enclosing scope as comments just above the cursor's line.
* `context_on_top` — the same information, all of it in the comment block on top (codepal's layout
  until the layout rows showed it cost the prefix cache most: every cursor move changed the top).
* `stable_only` — path and imports on top, no signatures or scope.

Each layout and script gets its own file path (the prompt's first line), so no replay finds another's
cached blocks; the hit rate is vLLM's `prefix_cache_hits / prefix_cache_queries` (tokens) over each
replay, and over both scripts together.

`live_hit_rate`: the same scripts replayed with the requests the language server sends while typing
(its adaptive debounce, `LatestWins`, fed the scripts' key times: a request after each key the next
key comes later than the wait then), far fewer than one per 150 ms gap. Each session's first request
finds nothing cached (a new document) and each new line brings the lines above it that no earlier
request had sent, so with few requests most tokens are new whatever the layout; this row tells what
the layout costs from what the request pattern costs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from codepal.bench.overhead import settled
from codepal.bench.server import Target, log
from codepal.bench.stats import ratio
from codepal.bench.typist import Script, line_offset
from codepal.client import vllm_metrics as vm
from codepal.complete.context import CompletionContext
from codepal.complete.policy import LatestWins
from codepal.complete.prompt import Template, choose_template, render
from codepal.complete.service import CompletionService
from codepal.types import CompletionRequest

DEBOUNCE_GAP_MS = 150.0


def request_states(script: Script) -> list[tuple[str, int]]:
    """(document text, cursor offset) after each keystroke a debouncing server would answer."""
    text = script.initial_text
    states: list[tuple[str, int]] = []
    line_at: dict[int, int] = {}
    for burst in script.bursts:
        offset = line_at.get(burst.line, line_offset(text, script.lines[burst.line]))
        for index, key in enumerate(burst.keys):
            text = text[:offset] + key.char + text[offset:]
            offset += 1
            following = burst.keys[index + 1].delay_ms if index + 1 < len(burst.keys) else None
            if following is None or following >= DEBOUNCE_GAP_MS:
                states.append((text, offset))
        line_at[burst.line] = offset
    return states


def live_states(scripts: dict[str, Script], debounce_ms: int) -> dict[str, list[tuple[str, int]]]:
    """(document text, cursor offset) of the requests the language server's debounce lets through,
    for each script in order, one typist's rhythm carried from script to script as the server does."""
    policy = LatestWins(debounce_ms)
    now = 0.0
    out: dict[str, list[tuple[str, int]]] = {}
    for name, script in scripts.items():
        text, states = script.initial_text, []
        line_at: dict[int, int] = {}
        for burst in script.bursts:
            offset = line_at.get(burst.line, line_offset(text, script.lines[burst.line]))
            for index, key in enumerate(burst.keys):
                now += key.delay_ms / 1000
                text = text[:offset] + key.char + text[offset:]
                offset += 1
                policy._note_keystroke(name, now)
                following = burst.keys[index + 1].delay_ms if index + 1 < len(burst.keys) else None
                if following is None or following / 1000 > policy.debounce_for(name):
                    states.append((text, offset))
            line_at[burst.line] = offset
            now += burst.pause_ms / 1000
        out[name] = states
    return out


def context_on_top(ctx: CompletionContext, template: Template) -> str:
    """codepal's layout before: signatures and scope in the comment block on top."""
    return render(ctx, template, layout="on_top").prompt


def stable_only(ctx: CompletionContext, template: Template) -> str:
    return render(dataclasses.replace(ctx, signatures=(), scope=()), template).prompt


LAYOUTS: dict[str, Callable[[CompletionContext, Template], str] | None] = {
    "codepal": None,  # the rendered prompt itself
    "context_on_top": context_on_top,
    "stable_only": stable_only,
}


async def run(target: Target, scripts: dict[str, Script]) -> dict[str, Any]:
    """Replay each of `scripts` (e.g. the 40 ms and the human-like typist) with every layout."""
    assert target.client is not None
    config = target.config()
    service = CompletionService(config.completion, config.engine)
    template = choose_template(config.completion.template, config.completion.model or target.info.model)
    patterns = {name: request_states(script) for name, script in scripts.items()}
    live = live_states(scripts, config.completion.debounce_ms)
    results: dict[str, Any] = {"requests": {name: len(states) for name, states in patterns.items()},
                               "live_requests": {name: len(states) for name, states in live.items()},
                               "block_size": None}
    for name, layout in LAYOUTS.items():
        entry: dict[str, Any] = {}
        for kind, sets in (("", patterns), ("live_", live)):
            hits = queries = 0.0
            for pattern, states in sets.items():
                uri = target.uri("layout", f"{name}-{kind}{pattern}", "sample.py")
                before = await settled(target)
                results["block_size"] = before.block_size
                for text, offset in states:
                    prepared = service.prepare(CompletionRequest(text, offset, "python", uri), target.info.model)
                    prompt = prepared.rendered.prompt if layout is None else layout(prepared.context, template)
                    async for _ in target.client.stream_completion(prompt, max_tokens=1, temperature=0.0):
                        pass
                change = vm.delta(before, await settled(target))
                rate = None if change.hit_rate is None else round(change.hit_rate, 4)
                entry[f"{kind}{pattern}_hit_rate"] = rate
                hits += change.prefix_cache_hits or 0.0
                queries += change.prefix_cache_queries or 0.0
            if kind:
                entry["live_hit_rate"] = round(hits / queries, 4) if queries else None
            else:
                entry["prefix_cache_hits"], entry["prefix_cache_queries"] = hits, queries
                entry["hit_rate"] = round(hits / queries, 4) if queries else None
        results[name] = entry
        log(f"layout {name}: prefix-cache hit rate {entry['hit_rate']} "
            + " ".join(f"{p} {entry[f'{p}_hit_rate']}" for p in patterns)
            + f"; with the server's request pattern {entry['live_hit_rate']}")
    base = results["codepal"].get("hit_rate")
    for name in LAYOUTS:
        results[name]["vs_codepal"] = ratio(results[name].get("hit_rate"), base)
    return results
