"""Typing session: a scripted typist replays edits of a real file through `codepal lsp`.

After every keystroke the editor sends `didChange` and a new inline request, and cancels the previous
request with `$/cancelRequest` if it has not answered (VS Code does this). After each burst the typist
waits for the answer to the last keystroke (the "shown" suggestion, if it has items), then 300 ms, and
reads how many requests vLLM is still running. An answer counts as shown when it has items and
arrives before the next keystroke.

Counted: model requests (the server's `codepal.status` delta) per keystroke, requests cancelled (by the
editor, and model requests the server dropped), generated tokens thrown away (see `metrics`), the time
from the last keystroke of a burst to the suggestion, and vLLM's prefix-cache hits over the session, and
over the session after its first burst's requests: a session opens a new document, whose first prompt
finds nothing in the cache unless the server warmed it (its path is the prompt's first line), so the
hits after it are the cache's reuse while typing.

Cache warm-up (`completion.warm_cache`, `codepal.complete.warmup`): the server prefills the document's
prompt on open and after pauses. Its requests are counted apart, from the server's own count of their
usage (prompt tokens and cached tokens, vLLM's `prompt_tokens_details`): `completion_hit_rate` is the
hit rate over the completion requests' prompt tokens only (vLLM's counters less the warm-ups'), what
the user waits for; `prefix_cache_hit_rate` is vLLM's over every request, warm-ups included;
`warmup_prefilled_tokens` is what the warm-ups computed (prompt less cached tokens). The counters are
read before the document opens, so the warm-up on open is in the session's figures. A warm-up
generates one token (vLLM needs `max_tokens` ≥ 1) that nobody sees; those are left out of the
generated and thrown-away tokens of the suggestions and reported as `warmup_generated_tokens`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from codepal.bench.editor import Editor, read_answer
from codepal.bench.overhead import settled
from codepal.bench.server import Target
from codepal.bench.stats import median, summarize
from codepal.bench.typist import Script, line_offset
from codepal.bench.wasted import wasted_tokens
from codepal.client import vllm_metrics as vm
from codepal.jsonrpc import Pending

ANSWER_TIMEOUT_S = 30.0
AFTER_ANSWER_S = 0.3


@dataclass
class SessionLog:
    keystrokes: int = 0
    requests: list[Pending] = field(default_factory=list)
    shown: int = 0
    to_shown_ms: list[float] = field(default_factory=list)  # last keystroke of a burst → suggestion
    to_answer_ms: list[float] = field(default_factory=list)  # … → its answer, shown or empty
    bursts: int = 0
    bursts_shown: int = 0
    running_after: list[float] = field(default_factory=list)
    timeouts: int = 0


def _completions(status: dict[str, Any]) -> dict[str, Any]:
    value = status.get("completions")
    return value if isinstance(value, dict) else {}


async def _wait(pending: Pending, timeout: float) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        return True
    except TimeoutError:
        return False


def _has_items(pending: Pending | None) -> bool:
    if pending is None or not pending.done or pending.future.exception() is not None:
        return False
    return bool(read_answer(pending).items)


async def play(editor: Editor, target: Target, uri: str, script: Script) -> dict[str, Any]:
    """Type `script` into a new document `uri`; the session's figures."""
    log = SessionLog()
    before = await settled(target)
    before_status = await editor.status()
    editor.open(uri, script.initial_text)
    previous: Pending | None = None
    line_at: dict[int, int] = {}  # target line → offset of the typist's cursor in it
    warm: vm.Snapshot | None = None  # once the first burst's requests are done
    for burst in script.bursts:
        if warm is None and log.bursts:
            warm = await settled(target)
        number = script.lines[burst.line]
        doc = editor.docs[uri]
        offset = line_at.get(burst.line, line_offset(doc.text, number))
        next_key = time.perf_counter()
        for key in burst.keys:
            next_key += key.delay_ms / 1000
            await asyncio.sleep(max(0.0, next_key - time.perf_counter()))
            if previous is not None:
                if _has_items(previous):
                    log.shown += 1
                editor.peer.cancel(previous)  # no-op when it has answered already
            offset = editor.insert(uri, offset, key.char)
            previous = editor.inline(uri, offset)
            log.requests.append(previous)
            log.keystrokes += 1
        line_at[burst.line] = offset
        log.bursts += 1
        last_key = previous.sent_at if previous is not None else time.perf_counter()
        pause_end = time.perf_counter() + burst.pause_ms / 1000
        if previous is not None and await _wait(previous, ANSWER_TIMEOUT_S):
            if previous.arrived_at is not None and previous.future.exception() is None:
                log.to_answer_ms.append((previous.arrived_at - last_key) * 1000)
            if _has_items(previous):
                assert previous.arrived_at is not None
                log.shown += 1
                log.bursts_shown += 1
                log.to_shown_ms.append((previous.arrived_at - last_key) * 1000)
                previous = None  # counted; not again at the next keystroke
            await asyncio.sleep(AFTER_ANSWER_S)
            current = vm.snapshot(await target.metrics_text())
            running = current.get("running")
            if running is not None:
                log.running_after.append(running)
        elif previous is not None:
            log.timeouts += 1
        await asyncio.sleep(max(0.0, pause_end - time.perf_counter()))
    after = await settled(target)
    after_status = await editor.status()
    editor.close_doc(uri)
    figures = _figures(log, vm.delta(before, after), _completions(before_status), _completions(after_status))
    later = vm.delta(warm or after, after)
    figures.update({"prefix_cache_queries_after_first": later.prefix_cache_queries,
                    "prefix_cache_hits_after_first": later.prefix_cache_hits,
                    "prefix_cache_hit_rate_after_first": _r(later.hit_rate, 4)})
    return figures


def warmup_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """The server's warm-up counters (`WarmStats`) grown between two `completions` statuses."""
    old, new = before.get("warmup") or {}, after.get("warmup") or {}
    return {key: int(new.get(key, 0)) - int(old.get(key, 0)) for key in new}


def completion_cache(change: vm.Delta, warm: dict[str, int]) -> tuple[float | None, float | None]:
    """(queries, hits) of the completion requests alone: vLLM's counters less the warm-ups' own usage;
    (None, None) when a warm-up's usage is unknown (then it cannot be told apart)."""
    if change.prefix_cache_queries is None or change.prefix_cache_hits is None or warm.get("unaccounted"):
        return None, None
    return (change.prefix_cache_queries - warm.get("prompt_tokens", 0),
            change.prefix_cache_hits - warm.get("cached_tokens", 0))


def _figures(log: SessionLog, change: vm.Delta, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    def grew(key: str) -> int:
        return int(after.get(key, 0)) - int(before.get(key, 0))

    model_requests = grew("model_requests")
    cache_hits = grew("cache_hits")
    warm = warmup_delta(before, after)
    answered = [p for p in log.requests if p.done and p.future.exception() is None]
    answers = [read_answer(p) for p in answered]
    cancelled_answers = sum(a.cancelled for a in answers)
    finished = change.finished_requests
    if finished is not None:
        finished -= warm.get("requests", 0) - warm.get("unaccounted", 0)  # warm-ups that finished
    waste = wasted_tokens(change, max(0, log.shown - cache_hits),
                          warm.get("requests", 0) - warm.get("unaccounted", 0), warm.get("generated_tokens", 0))
    queries, hits = completion_cache(change, warm)
    before_cancel = grew("tokens_before_cancel")
    aborted = waste["aborted"]
    keystrokes = max(1, log.keystrokes)
    return {
        "keystrokes": log.keystrokes,
        "bursts": log.bursts,
        "lsp_requests": len(log.requests),
        "model_requests": model_requests,
        "requests_per_keystroke": round(model_requests / keystrokes, 4),
        "cancel_sent": sum(p.cancel_sent for p in log.requests),
        "answered_cancelled": cancelled_answers,
        "answered_empty": sum(not a.items and not a.cancelled for a in answers),
        "superseded_in_server": grew("superseded"),
        "model_requests_aborted": (None if finished is None else max(0, model_requests - int(finished))),
        "cache_hits": cache_hits,
        # Model requests closed while streaming, the tokens they had streamed to the server by then, and
        # what vLLM generated for them after that (the abort's delay; None without vLLM's counters).
        "cancelled_streaming": grew("cancelled_streaming"),
        "tokens_before_cancel": before_cancel,
        "tokens_after_cancel": None if aborted is None else round(max(0.0, aborted - before_cancel), 1),
        "cancelled_on_edit": grew("cancelled_on_edit"),
        "kept_streams": grew("kept_streams"),
        "typed_through_streams": grew("typed_through_streams"),
        "shown": log.shown,
        "bursts_with_suggestion": log.bursts_shown,
        "bursts_shown_fraction": round(log.bursts_shown / log.bursts, 4) if log.bursts else None,
        "to_shown_ms_median": _r(median(log.to_shown_ms)),
        "to_shown_ms": summarize(log.to_shown_ms),
        # The same wait whether or not post-processing kept any text (random weights' text often goes).
        "to_answer_ms_median": _r(median(log.to_answer_ms)),
        "to_answer_ms": summarize(log.to_answer_ms),
        "running_after_300ms_max": max(log.running_after) if log.running_after else None,
        "answer_timeouts": log.timeouts,
        "generated_tokens": waste["generated"],
        "wasted_tokens": waste["wasted"],
        "wasted_fraction": waste["fraction"],
        "waste": waste,
        "prompt_tokens": change.prompt_tokens,
        "prefix_cache_queries": change.prefix_cache_queries,
        "prefix_cache_hits": change.prefix_cache_hits,
        "prefix_cache_hit_rate": _r(change.hit_rate, 4),
        "completion_prefix_cache_queries": queries,
        "completion_prefix_cache_hits": hits,
        "completion_hit_rate": _r(hits / queries, 4) if queries and hits is not None else None,
        "warmup_requests": warm.get("requests", 0),
        "warmup_prompt_tokens": warm.get("prompt_tokens", 0),
        "warmup_cached_tokens": warm.get("cached_tokens", 0),
        "warmup_prefilled_tokens": warm.get("prompt_tokens", 0) - warm.get("cached_tokens", 0),
        "warmup_generated_tokens": warm.get("generated_tokens", 0),
        "warmup_unaccounted": warm.get("unaccounted", 0),
        "warmup_yielded": warm.get("yielded", 0),
        "warmup_stale": warm.get("stale", 0),
        "warmup_cut_at_edit": warm.get("cut_at_edit", 0),
        "warmup_skipped": warm.get("skipped", 0),
    }


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
