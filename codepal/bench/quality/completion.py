"""Completion at each cursor point, both sides on the same server with the same generation settings.

- raw: the document's text before the cursor, sent as is to `/v1/completions`; its output inserted as
  is (what a plugin without codepal's pipeline would show);
- codepal: `CompletionService.complete()`, the core entry point every surface uses (context, token
  budget, prompt template, request, post-processing), its suggestion inserted at the cursor.
Both use greedy decoding and the generation budget codepal picks for the point (one line mid-line, a
block at the end of a line). Requests of both sides are interleaved, a few at a time, so that both see
the same load.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from codepal.bench.quality.cursors import CursorPoint
from codepal.bench.quality.scoring import accepted_chars, exact_first_line, insert, parses
from codepal.client import ModelClient
from codepal.complete.postprocess import wants_single_line
from codepal.complete.service import CompletionService
from codepal.config import CodepalConfig
from codepal.errors import CodepalError
from codepal.types import CompletionRequest

SIDES = ("raw", "codepal")
RAW_TIMEOUT_S = 120.0  # raw output has no deadline of its own: it is whatever the model says


@dataclass(frozen=True)
class Attempt:
    """One side's suggestion at one point and what it earned."""

    text: str
    seconds: float
    shown: bool
    exact_line: bool
    parses: bool  # shown, and the document still parses with it inserted
    accepted: int
    error: str = ""


def score(point: CursorPoint, text: str, seconds: float, error: str = "") -> Attempt:
    shown = bool(text.strip())
    return Attempt(
        text, round(seconds, 3), shown,
        shown and exact_first_line(text, point.removed),
        shown and parses(insert(point.prefix, text, point.suffix), point.language),
        accepted_chars(text, point.removed) if shown else 0,
        error,
    )


def max_tokens(point: CursorPoint, config: CodepalConfig) -> int:
    single = wants_single_line(point.prefix, point.suffix)
    return config.completion.max_tokens_line if single else config.completion.max_tokens_block


async def raw_side(client: ModelClient, point: CursorPoint, config: CodepalConfig) -> Attempt:
    started = time.monotonic()
    pieces: list[str] = []
    error = ""
    try:
        async with asyncio.timeout(RAW_TIMEOUT_S):
            async for chunk in client.stream_completion(point.prefix, max_tokens=max_tokens(point, config),
                                                        temperature=0.0):
                pieces.append(chunk.text)
    except TimeoutError:
        error = "timeout"
    except CodepalError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return score(point, "".join(pieces), time.monotonic() - started, error)


def request_for(point: CursorPoint) -> CompletionRequest:
    return CompletionRequest(point.prefix + point.suffix, len(point.prefix), point.language,
                             uri=f"file:///corpus/{point.source}", tab_size=point.tab_size,
                             insert_spaces=point.insert_spaces)


async def codepal_side(service: CompletionService, client: ModelClient, point: CursorPoint) -> Attempt:
    """codepal answers empty rather than raise; its own counters (in the summary) say why."""
    started = time.monotonic()
    completion = await service.complete(request_for(point), client, key=point.id)
    seconds = time.monotonic() - started
    if completion is None:
        return score(point, "", seconds)
    return score(point, completion.text, seconds)


async def run(points: list[CursorPoint], client: ModelClient, config: CodepalConfig, concurrency: int,
              progress: Callable[[int, int], None] | None = None, stop_at: float | None = None,
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One record per point (the point's facts and both sides' attempts), and codepal's own counters
    (requests that reached the model, answers that came back empty, backend errors). Points whose first
    request would start after `stop_at` (monotonic time) are left out, both sides together."""
    service = CompletionService(config.completion, config.engine)
    service.counter(client.model)  # load the tokenizer before the clock starts for anyone
    gate = asyncio.Semaphore(concurrency)
    done = 0
    skipped: dict[str, bool] = {}

    async def one(point: CursorPoint, side: str) -> Attempt | None:
        nonlocal done
        async with gate:
            if skipped.setdefault(point.id, stop_at is not None and time.monotonic() > stop_at):
                attempt = None
            else:
                attempt = await (raw_side(client, point, config) if side == "raw"
                                 else codepal_side(service, client, point))
        done += 1
        if progress is not None:
            progress(done, 2 * len(points))
        return attempt

    # Sides alternate which goes first, so neither always meets a warmer server.
    jobs = [one(point, side) for i, point in enumerate(points)
            for side in (SIDES if i % 2 == 0 else SIDES[::-1])]
    attempts = await asyncio.gather(*jobs)
    records = []
    for i, point in enumerate(points):
        pair = attempts[2 * i : 2 * i + 2]
        by_side = dict(zip(SIDES if i % 2 == 0 else SIDES[::-1], pair, strict=True))
        if by_side["raw"] is None or by_side["codepal"] is None:
            continue
        records.append({
            "id": point.id, "language": point.language, "kind": point.kind, "removed": point.removed,
            **{side: asdict(attempt) for side, attempt in by_side.items() if attempt is not None},
        })
    stats = service.stats
    return records, {"model_requests": stats.model_requests, "empty": stats.empty, "errors": stats.errors}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per side: counts over all points, and the same split by language and by cursor kind."""

    def totals(subset: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"points": len(subset), "removed_chars": sum(len(r["removed"]) for r in subset)}
        for side in SIDES:
            attempts = [r[side] for r in subset]
            shown_chars = sum(len(a["text"]) for a in attempts if a["shown"])
            accepted = sum(a["accepted"] for a in attempts)
            seconds = sorted(a["seconds"] for a in attempts)
            out[side] = {
                "shown": sum(a["shown"] for a in attempts),
                "exact_line": sum(a["exact_line"] for a in attempts),
                "parses": sum(a["parses"] for a in attempts),
                "accepted_chars": accepted,
                "shown_chars": shown_chars,
                "accepted_share_of_shown": round(accepted / shown_chars, 4) if shown_chars else None,
                "shown_nothing_right": sum(a["shown"] and not a["accepted"] for a in attempts),
                "errors": sum(bool(a.get("error")) for a in attempts),
                "median_s": seconds[len(seconds) // 2] if seconds else None,
            }
        return out

    by_language = sorted({r["language"] for r in records})
    by_kind = sorted({r["kind"] for r in records})
    return {
        "all": totals(records),
        "by_language": {lang: totals([r for r in records if r["language"] == lang]) for lang in by_language},
        "by_kind": {kind: totals([r for r in records if r["kind"] == kind]) for kind in by_kind},
    }
