"""Fix on bug-injected functions: the model's raw answer pasted in against codepal's `fix()`.

Each bug's check is run first; its error (the last traceback line, with the traceback and the line in
the file) is what both sides are told, and the span is the buggy function, as a user would select it.
- raw: a plain chat request ("fix this, here is the error") and the first fenced block of the answer
  (the whole answer when it has none) pasted over the function;
- codepal: `codepal.assist.fix()`, the core entry point the editor and Jupyter use (prompt, answer
  extraction, placement, verification; a refusal leaves the file as it was).
Every result is classified by running the check on the new file:
- fixed: the check passes;
- unchanged: the file is byte-identical (codepal refused, or the model returned the same code);
- damaged: the file no longer compiles, or code outside the function and the imports changed;
- wrong fix: changed, undamaged, and the check still fails.
"""

from __future__ import annotations

import ast
import asyncio
import time
from collections.abc import Callable
from typing import Any

from codepal.assist import fix
from codepal.bench.quality.bugs import Bug
from codepal.bench.quality.checks import CheckResult, run_check
from codepal.client import ModelClient
from codepal.config import CodepalConfig
from codepal.errors import CodepalError
from codepal.text.fences import code_blocks
from codepal.types import CodeSpan, FixResult, Problem

SIDES = ("raw", "codepal")
OUTCOMES = ("fixed", "unchanged", "wrong_fix", "damaged")


def function_span(source: str, name: str) -> tuple[int, int]:
    """Character offsets of the top-level function `name` (its `def` line through its last line)."""
    tree = ast.parse(source)
    starts = [0]
    for line in source.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            assert node.end_lineno is not None and node.end_col_offset is not None
            return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset
    raise ValueError(f"no function {name}")


def _rest(source: str, name: str) -> list[str] | None:
    """The module's top-level statements other than `name` and imports, as source; None if it does
    not compile."""
    try:
        compile(source, "target.py", "exec", dont_inherit=True)
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return [ast.get_source_segment(source, node) or "" for node in tree.body
            if not isinstance(node, ast.Import | ast.ImportFrom)
            and not (isinstance(node, ast.FunctionDef) and node.name == name)]


def damaged(before: str, after: str, name: str) -> bool:
    rest_after = _rest(after, name)
    if rest_after is None:
        return True
    has_function = any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(after).body)
    return not has_function or rest_after != _rest(before, name)


async def classify(bug: Bug, after: str) -> tuple[str, CheckResult | None]:
    if after == bug.source:
        return "unchanged", None
    if damaged(bug.source, after, bug.program.function):
        return "damaged", None
    result = await run_check(after, bug.program.check())
    return ("fixed" if result.passed else "wrong_fix"), result


def raw_prompt(code: str, problem: Problem) -> str:
    return f"Fix the bug in this Python code.\n\nError: {problem.message}\n\n```python\n{code}\n```"


def first_block(answer: str) -> str:
    """The raw side's fix: the answer's first fenced block, or the whole answer."""
    blocks = code_blocks(answer)
    return blocks[0].code if blocks else answer.rstrip("\n")


async def raw_side(client: ModelClient, bug: Bug, problem: Problem, config: CodepalConfig,
                   ) -> tuple[str, str, str]:
    start, end = function_span(bug.source, bug.program.function)
    pieces = []
    async for delta in client.stream_chat(
        [{"role": "user", "content": raw_prompt(bug.source[start:end], problem)}],
        max_tokens=config.assist.max_answer_tokens, temperature=0.0, top_p=1.0, starts_thinking=False,
        timeout=config.assist.timeout_s,
    ):
        pieces.append(delta.reasoning + delta.content)
    answer = "".join(pieces)
    return bug.source[:start] + first_block(answer) + bug.source[end:], answer, ""


async def codepal_side(client: ModelClient, bug: Bug, problem: Problem, config: CodepalConfig,
                       ) -> tuple[str, str, str]:
    """The new file, the answer, and the refusal's reason ('' when codepal applied a fix)."""
    start, end = function_span(bug.source, bug.program.function)
    span = CodeSpan(bug.source, start, end, "python", uri="file:///bench/target.py")
    result: FixResult | None = None
    answer: list[str] = []
    async for event in fix(client, span, problem, config.assist):
        if isinstance(event, FixResult):
            result = event
        elif event.kind == "answer":
            answer.append(event.text)
    assert result is not None
    after = result.new_text if result.ok and result.new_text is not None else bug.source
    return after, ("".join(answer) or result.message), "" if result.ok else result.message


async def run(bugs: list[Bug], client: ModelClient, config: CodepalConfig, concurrency: int,
              progress: Callable[[int, int], None] | None = None, stop_at: float | None = None,
              ) -> tuple[list[dict[str, Any]], int]:
    """One record per bug that its check catches (the bug, the error, both sides' outcomes), and how
    many bugs the check did not catch (left out). Bugs whose first request would start after `stop_at`
    (monotonic time) are left out, both sides together."""
    checks = await asyncio.gather(*(run_check(bug.source, bug.program.check()) for bug in bugs))
    caught = [(bug, check) for bug, check in zip(bugs, checks, strict=True) if not check.passed]
    gate = asyncio.Semaphore(concurrency)
    done = 0
    skipped: dict[str, bool] = {}

    async def one(bug: Bug, problem: Problem, side: str) -> dict[str, Any] | None:
        nonlocal done
        async with gate:
            if skipped.setdefault(bug.id, stop_at is not None and time.monotonic() > stop_at):
                return None
            started = time.monotonic()
            try:
                after, answer, refusal = await (raw_side if side == "raw" else codepal_side)(
                    client, bug, problem, config)
                error = ""
            except CodepalError as exc:  # a failed request changes nothing
                after, answer, refusal, error = bug.source, "", "", f"{type(exc).__name__}: {exc}"
            seconds = time.monotonic() - started
        outcome, check = await classify(bug, after)
        done += 1
        if progress is not None:
            progress(done, 2 * len(caught))
        return {"outcome": outcome, "seconds": round(seconds, 2), "error": error,
                "check_error": check.error if check is not None else "", "answer": answer[-1500:],
                "refusal": refusal, "diff_chars": abs(len(after) - len(bug.source))}

    jobs = [one(bug, check.problem(), side) for bug, check in caught for side in SIDES]
    results = await asyncio.gather(*jobs)
    records = [{"id": bug.id, "kind": bug.kind, "bug": bug.description, "error": check.error,
                "raw": results[2 * i], "codepal": results[2 * i + 1]}
               for i, (bug, check) in enumerate(caught)
               if results[2 * i] is not None and results[2 * i + 1] is not None]
    return records, len(bugs) - len(caught)


def summarise(records: list[dict[str, Any]], skipped: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"bugs": len(records), "not_caught_by_check": skipped}
    for side in SIDES:
        outcomes = [r[side]["outcome"] for r in records]
        seconds = sorted(r[side]["seconds"] for r in records)
        out[side] = {name: outcomes.count(name) for name in OUTCOMES}
        out[side]["median_s"] = seconds[len(seconds) // 2] if seconds else None
        out[side]["errors"] = sum(bool(r[side]["error"]) for r in records)
        out[side]["by_kind"] = {kind: sum(r[side]["outcome"] == "fixed" for r in records if r["kind"] == kind)
                                for kind in sorted({r["kind"] for r in records})}
        # Why codepal refused, by reason: which verification or placement step said no.
        reasons = [r[side].get("refusal", "") for r in records]
        out[side]["refusals"] = {reason: reasons.count(reason) for reason in sorted(set(reasons)) if reason}
    return out
