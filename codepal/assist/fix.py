"""Fix: prompt → answer → extract the corrected code → verify → minimal edits; one retry, then refuse.

A refusal is a FixResult(ok=False); the document is never handed a broken edit.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncGenerator, Sequence

from codepal.assist import prompts
from codepal.assist.diff import minimal_edits
from codepal.assist.explain import context_block, kernel_block
from codepal.assist.extract import note_after_code
from codepal.assist.placement import Candidate, candidates_of, choose
from codepal.assist.region import Region, region_of
from codepal.assist.thinking import Generation, generate
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.kernel_facts import KernelFacts, KernelVariable, prompt_lines, used_by_fix
from codepal.syntax import normalize_language
from codepal.text.lines import split_lines
from codepal.types import AssistEvent, CodeSpan, FixResult, Problem, ThinkingDelta

ATTEMPTS = 2
TRACEBACK_LINES = 30
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # notebook tracebacks come coloured


def fix_prompt(span: CodeSpan, problem: Problem | None, context: str = "", error: str = "",
               kernel: Sequence[KernelVariable] = ()) -> str:
    """The first request's prompt, or with `error` the retry's. `kernel`: the live kernel's variables to
    show, most relevant first (see `kernel_shown`)."""
    region = region_of(span)
    language = normalize_language(span.language) or "text"
    values = {
        "code": region.code,
        "language": language,
        "problem": problem_block(problem, region),
        "context": context_block(context, language),
        "kernel": kernel_block(list(kernel)),
    }
    return prompts.render("fix_retry", **values, error=error) if error else prompts.render("fix", **values)


def problem_block(problem: Problem | None, region: Region) -> str:
    if problem is None or not (problem.message.strip() or problem.traceback.strip()):
        return ""
    text = _ANSI.sub("", problem.message.strip())
    if problem.error_name and not text.startswith(problem.error_name):
        text = f"{problem.error_name}: {text}"
    if problem.line is not None:
        inside = region.first_line <= problem.line < region.first_line + region.line_count()
        text += (f" (line {problem.line - region.first_line + 1} of the code below)" if inside
                 else f" (line {problem.line + 1} of the file)")
    traceback = _ANSI.sub("", problem.traceback).strip("\n")
    if traceback:
        tail = "\n".join(split_lines(traceback)[-TRACEBACK_LINES:])
        text += f"\n```\n{tail}\n```"
    return prompts.render("problem", problem=text)


def kernel_shown(kernel: KernelFacts | None, span: CodeSpan, problem: Problem | None) -> list[KernelVariable]:
    """The kernel's variables a fix prompt shows: what the error points at first, capped in size."""
    if kernel is None:
        return []
    return prompt_lines(kernel.for_problem(region_of(span).code, problem.message if problem else ""))


async def fix(
    client: ModelClient, span: CodeSpan, problem: Problem | None, config: AssistConfig, context: str = "",
    kernel: KernelFacts | None = None,
) -> AsyncGenerator[AssistEvent, None]:
    """Thinking and answer deltas of each attempt, then exactly one FixResult."""
    shown = kernel_shown(kernel, span, problem)
    region = region_of(span)
    language = normalize_language(span.language) or "text"
    deadline = time.monotonic() + config.timeout_s
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        if error:
            yield ThinkingDelta(f"\n\n[codepal: the answer was rejected ({error}); asking once more]\n\n")
        out = Generation()
        prompt = fix_prompt(span, problem, context, error, shown)
        stream = generate(client, prompt, config.thinking_budget_fix, config, out, deadline)
        async with contextlib.aclosing(stream):
            async for event in stream:
                yield event
        new_text, error = fixed_document(region, out.answer, language, problem, context, out.cut)
        if new_text is not None:
            edits = minimal_edits(span.text, new_text)
            changed = sum(len(split_lines(e.new_text)) for e in edits)
            message = note_after_code(out.answer) or f"changed {changed} line(s)"
            yield FixResult(True, message, new_text, edits, attempt,
                            kernel_facts=used_by_fix(shown, span.text, new_text))
            return
    yield FixResult(False, f"no safe fix found: {error}", attempts=ATTEMPTS)


def fixed_document(region: Region, answer: str, language: str, problem: Problem | None = None,
                   context: str = "", cut: bool = False) -> tuple[str | None, str]:
    """(the verified fixed document, "") or (None, why not) for one free-text answer; `cut`: it ran out of
    tokens."""
    candidates = candidates_of(answer, region.code, language, cut)
    if cut and not candidates:
        return None, "the answer ran out of tokens (assist.max_answer_tokens) before its code was complete"
    return fixed_from_candidates(region, candidates, language, problem, context)


def fixed_from_candidates(region: Region, candidates: list[Candidate], language: str,
                          problem: Problem | None = None, context: str = "") -> tuple[str | None, str]:
    """The same for candidates made any other way (a structured answer gives exactly one)."""
    problem_text = f"{problem.message}\n{problem.traceback}" if problem is not None else ""
    choice = choose(region, language, candidates, problem_text, context)
    return choice.text, choice.reason
