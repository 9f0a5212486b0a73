"""Explain and fix: time to first progress, time to the first answer text, time to the result, and
thinking tokens, with a thinking budget and without one (budget 0 = no limit).

Through the language server's `codepal.explain` / `codepal.fix` commands when it offers them (with a
`workDoneToken`: first progress = the first `$/progress` report, which the server sends on the model's
first token; first answer text = the first report saying it is writing the answer, at most ~0.3 s
late as reports are rate-limited); otherwise through the core's `Assistant.explain` / `Assistant.fix`,
which the commands call (first progress / answer = the first thinking / answer delta). Thinking and
answer tokens are the result's: exact where the server sends token ids (vLLM), see assist/tally.py.

`generated_tokens` is vLLM's own count for the call (each call runs alone), so `counts_match` checks
that thinking + answer tokens are exactly what vLLM generated. The random test model
rarely closes its thinking, so without a budget it thinks until the core's cap (2,048 tokens) and
codepal then asks for the answer in a second request.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from codepal.bench.editor import Editor, position_of
from codepal.bench.overhead import settled
from codepal.bench.server import Target, log
from codepal.bench.stats import median_over_repeats
from codepal.client import vllm_metrics as vm
from codepal.config import CodepalConfig
from codepal.jsonrpc import RpcError, result_of
from codepal.types import AnswerDelta, CodeSpan, ExplainResult, FixResult, Problem, ThinkingDelta

DOC = ("import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\n"
       "def name():\n    return 'circle'\n")
SPAN = CodeSpan(DOC, DOC.index("def area"), DOC.index("\n\n\ndef name"), "python")
PROBLEM = Problem("area() returns the circumference, not the area", line=4)


async def _series(label: str, one: Callable[[str], Awaitable[dict[str, Any]]], count: int) -> dict[str, Any]:
    """`count` explains then `count` fixes through `one`; medians per figure."""
    out: dict[str, Any] = {}
    for kind in ("explain", "fix"):
        runs = [await one(kind) for _ in range(count)]
        merged = median_over_repeats(runs)
        merged["runs"] = runs
        out[f"{kind}_{label}"] = merged
        log(f"{kind} ({label}): first progress {merged.get('first_progress_ms')} ms, "
            f"done {merged.get('done_ms')} ms, {merged.get('thinking_tokens')} thinking tokens "
            f"(exact: {all(r.get('tokens_exact') for r in runs)}, thinking + answer = vLLM's generated "
            f"tokens in {sum(bool(r.get('counts_match')) for r in runs)}/{len(runs)} runs)")
    return out


async def _via_lsp(editor: Editor, target: Target, budget: int, answer_tokens: int,
                   counts: tuple[int, int]) -> dict[str, Any]:
    uri = target.uri("assist", "shapes.py")
    editor.open(uri, DOC)
    out: dict[str, Any] = {}
    try:
        for label, value, count in (("with_budget", budget, counts[0]), ("no_budget", 0, counts[1])):
            editor.peer.notify("workspace/didChangeConfiguration", {"settings": {"codepal": {
                **target.options(), "assist": _assist_options(value, answer_tokens)}}})
            await editor.status()  # handled in order: the new settings are in place after this

            async def one(kind: str) -> dict[str, Any]:
                return await _one_lsp(editor, kind, target, uri)

            out.update(await _series(label, one, count))
    finally:
        editor.close_doc(uri)
    return out


async def _via_core(target: Target, budget: int, answer_tokens: int, counts: tuple[int, int]) -> dict[str, Any]:
    from codepal.assistant import Assistant

    out: dict[str, Any] = {}
    for label, value, count in (("with_budget", budget, counts[0]), ("no_budget", 0, counts[1])):
        assistant = Assistant(_config(target, value, answer_tokens))
        await assistant.start()
        try:
            deadline = time.monotonic() + 30
            while not assistant.link.ready and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

            async def one(kind: str, assistant: Any = assistant) -> dict[str, Any]:
                return await _one(assistant, kind, target)

            out.update(await _series(label, one, count))
        finally:
            await assistant.close()
    return out


def _assist_options(budget: int, answer_tokens: int) -> dict[str, Any]:
    return {"thinking_budget_explain": budget, "thinking_budget_fix": budget, "max_answer_tokens": answer_tokens}


def _config(target: Target, budget: int, answer_tokens: int) -> CodepalConfig:
    engine = {"url": target.info.url, "model": target.info.model, "served_model_name": target.info.model}
    if target.info.api_key:
        engine["api_key"] = target.info.api_key
    return CodepalConfig().merged({"engine": engine, "assist": _assist_options(budget, answer_tokens)},
                                  "benchmark options")


async def _one(assistant: Any, kind: str, target: Target) -> dict[str, Any]:
    before = await settled(target)
    started = time.perf_counter()
    first_progress = first_answer = None
    result: ExplainResult | FixResult | None = None
    events = assistant.explain(SPAN) if kind == "explain" else assistant.fix(SPAN, PROBLEM)
    async for event in events:
        now = (time.perf_counter() - started) * 1000
        if isinstance(event, ThinkingDelta | AnswerDelta) and first_progress is None:
            first_progress = now
        if isinstance(event, AnswerDelta) and first_answer is None and event.text.strip():
            first_answer = now
        elif isinstance(event, ExplainResult | FixResult):
            result = event
    done = (time.perf_counter() - started) * 1000
    change = vm.delta(before, await settled(target))
    counts = {"thinkingTokens": result.thinking_tokens, "answerTokens": result.answer_tokens,
              "tokensExact": result.tokens_exact} if result is not None else {}
    return {
        "first_progress_ms": None if first_progress is None else round(first_progress, 1),
        "first_answer_ms": None if first_answer is None else round(first_answer, 1),
        "done_ms": round(done, 1),
        **_token_figures(counts, change.generation_tokens),
        "fix_ok": result.ok if isinstance(result, FixResult) else None,
        "answer_format": result.answer_format if isinstance(result, FixResult) else None,
    }


def _token_figures(result: dict[str, Any], generated: float | None) -> dict[str, Any]:
    """Thinking / answer tokens of a command's result, and whether they add up to vLLM's count."""
    thinking, answer = result.get("thinkingTokens"), result.get("answerTokens")
    total = thinking + answer if isinstance(thinking, int) and isinstance(answer, int) else None
    return {
        "thinking_tokens": thinking,
        "answer_tokens": answer,
        "tokens_exact": result.get("tokensExact"),
        "generated_tokens": generated,
        "counts_match": None if total is None or generated is None else total == generated,
    }


COMMANDS = ("codepal.explain", "codepal.fix")


async def _one_lsp(editor: Editor, kind: str, target: Target, uri: str) -> dict[str, Any]:
    before = await settled(target)
    token = f"bench-{uuid.uuid4().hex[:8]}"
    args: dict[str, Any] = {"uri": uri, "range": {"start": position_of(DOC, SPAN.start),
                                                  "end": position_of(DOC, SPAN.end)}}
    if kind == "fix":
        line = PROBLEM.line or 0
        args["diagnostics"] = [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": 1}},
                                "message": PROBLEM.message, "severity": 1}]
    seen = len(editor.peer.notifications)
    pending = editor.peer.send("workspace/executeCommand", {
        "command": f"codepal.{kind}", "arguments": [args], "workDoneToken": token})
    result = result_of(await asyncio.wait_for(pending.future, 600))
    done = ((pending.arrived_at or time.perf_counter()) - pending.sent_at) * 1000
    reports = [(m, (m.get("params") or {}).get("value") or {}) for m in editor.peer.notifications[seen:]
               if m.get("method") == "$/progress" and (m.get("params") or {}).get("token") == token]
    first_report = next((m["received_at"] for m, v in reports if v.get("kind") == "report"), None)
    answering = next((m["received_at"] for m, v in reports if v.get("kind") == "report"
                      and str(v.get("message", "")).startswith("writing the answer")), None)
    change = vm.delta(before, await settled(target))
    fields = result if isinstance(result, dict) else {}
    return {
        "first_progress_ms": None if first_report is None else round((first_report - pending.sent_at) * 1000, 1),
        "first_answer_ms": None if answering is None else round((answering - pending.sent_at) * 1000, 1),
        "done_ms": round(done, 1),
        **_token_figures(fields, change.generation_tokens),
        "fix_ok": bool(fields.get("edit")) if kind == "fix" else None,
        "answer_format": fields.get("answerFormat") if kind == "fix" else None,
    }


async def run(target: Target, repeats: int, budget: int, answer_tokens: int,
              no_budget_repeats: int | None = None, editor: Editor | None = None) -> dict[str, Any]:
    """Through `editor`'s commands when it has them (falling back to the core if they fail), else
    through the core."""
    counts = (repeats, no_budget_repeats or repeats)
    results: dict[str, Any] = {"budget": budget, "max_answer_tokens": answer_tokens}
    if editor is not None and set(COMMANDS) <= set(editor.commands):
        try:
            results.update(await _via_lsp(editor, target, budget, answer_tokens, counts))
            results["via"] = "language server commands codepal.explain / codepal.fix"
        except (RpcError, TimeoutError, ConnectionError) as exc:
            log(f"assist through the language server failed ({exc}); using the core")
            results["lsp_error"] = f"{type(exc).__name__}: {exc}"
    if "via" not in results:
        results.update(await _via_core(target, budget, answer_tokens, counts))
        results["via"] = "core Assistant.explain / Assistant.fix"
    for kind in ("explain", "fix"):
        with_b, without = results[f"{kind}_with_budget"], results[f"{kind}_no_budget"]
        if with_b.get("done_ms") and without.get("done_ms"):
            results[f"{kind}_done_ratio_no_budget_vs_budget"] = round(without["done_ms"] / with_b["done_ms"], 3)
    return results
