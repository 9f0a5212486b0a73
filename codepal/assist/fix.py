"""Fix: prompt → answer → extract the corrected code → verify → minimal edits; one retry, then refuse.

The answer is asked for as JSON (structured.py) where the server honours `response_format`; a server
that rejects it (400) or answers in free text anyway gets the free-text prompt from then on, and the
code is taken out of the answer's blocks. A refusal is a FixResult(ok=False); the document is never
handed a broken edit.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from codepal.assist import prompts
from codepal.assist.diff import minimal_edits
from codepal.assist.explain import context_block, kernel_block
from codepal.assist.extract import note_after_code
from codepal.assist.placement import Candidate, candidates_of, choose
from codepal.assist.region import Region, region_of
from codepal.assist.structured import StructuredFix, parse_fix, response_format
from codepal.assist.thinking import Generation, generate
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.errors import BackendProtocolError
from codepal.kernel_facts import KernelFacts, KernelVariable, prompt_lines, used_by_fix
from codepal.languages import normalize_language
from codepal.notebook import cell_frame_lines
from codepal.text.fences import fenced
from codepal.text.lines import split_lines
from codepal.text.terminal import strip_escapes
from codepal.types import AnswerFormat, AssistEvent, CodeSpan, FixResult, Problem, ThinkingDelta

log = logging.getLogger(__name__)

ATTEMPTS = 2
TRACEBACK_LINES = 30
# Clients whose server rejected `response_format` or answered in free text despite it.
_FREE_TEXT: weakref.WeakKeyDictionary[ModelClient, bool] = weakref.WeakKeyDictionary()


def fix_prompt(span: CodeSpan, problem: Problem | None, context: str = "", error: str = "",
               kernel: Sequence[KernelVariable] = (), structured: bool = False) -> str:
    """The first request's prompt, or with `error` the retry's. `kernel`: the live kernel's variables to
    show, most relevant first (see `kernel_shown`); `structured`: asking for JSON."""
    region = region_of(span)
    language = normalize_language(span.language) or "text"
    values = {
        "code": region.code,
        "language": language,
        "problem": problem_block(problem, region),
        "context": context_block(context, language),
        "kernel": kernel_block(list(kernel)),
    }
    name = "fix_json" if structured else "fix"
    return prompts.render(f"{name}_retry", **values, error=error) if error else prompts.render(name, **values)


def problem_block(problem: Problem | None, region: Region) -> str:
    if problem is None or not (problem.message.strip() or problem.traceback.strip()):
        return ""
    text = strip_escapes(problem.message.strip())
    if problem.error_name and not text.startswith(problem.error_name):
        text = f"{problem.error_name}: {text}"
    if problem.line is not None:
        inside = region.first_line <= problem.line < region.first_line + region.line_count()
        text += (f" (line {problem.line - region.first_line + 1} of the code below)" if inside
                 else f" (line {problem.line + 1} of the file)")
    traceback = strip_escapes(problem.traceback).strip("\n")
    if traceback:
        tail = "\n".join(split_lines(traceback)[-TRACEBACK_LINES:])
        text += "\n" + fenced(tail)
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
    outs: list[Generation] = []
    answer_format: AnswerFormat = "text"
    bad_json = False  # the last answer was JSON that broke off: ask the retry in free text, afresh
    for attempt in range(1, ATTEMPTS + 1):
        if error:
            yield ThinkingDelta(f"\n\n[codepal: the answer was rejected ({error}); asking once more]\n\n")
        while True:
            # JSON for a model that thinks (the grammar applies after its thinking); a model without
            # thinking answers in free text: SmolLM2-135M looped inside the schema's strings until the
            # token limit and fixed 0 of 18 bugs in `codepal bench --quality`, against 4 in free text.
            structured = client.thinks and not _FREE_TEXT.get(client) and not bad_json
            out = Generation()
            prompt = fix_prompt(span, problem, context, "" if bad_json else error, shown, structured)
            extra: dict[str, Any] | None = {"response_format": response_format(region.code)} if structured else None
            stream = generate(client, prompt, config.thinking_budget_fix, config, out, deadline, extra)
            try:
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        yield event
            except BackendProtocolError as exc:
                if not (structured and exc.status == 400 and not out.thinking):
                    raise
                log.info("the server refused the fix's JSON schema (%s); asking in free text", exc)
                _FREE_TEXT[client] = True
                continue
            break
        outs.append(out)
        parsed = parse_fix(out.answer) if structured else None
        if structured and parsed is None and not out.answer.lstrip().startswith("{"):
            log.info("the server ignored the fix's JSON schema; asking in free text from now on")
            _FREE_TEXT[client] = True
        answer_format = "json" if parsed is not None else "text"
        if parsed is not None:
            new_text, error = fixed_structured(region, parsed, language, problem, context)
        elif structured and out.answer.lstrip().startswith("{"):
            # A small model can loop inside the schema's strings until the token limit (seen with a 135 M model).
            new_text, error = None, "the answer's JSON was incomplete (it may have run out of assist.max_answer_tokens)"
            bad_json = True
        else:
            new_text, error = fixed_document(region, out.answer, language, problem, context, out.cut)
        if new_text is not None:
            edits = minimal_edits(span.text, new_text)
            changed = sum(len(split_lines(e.new_text)) for e in edits)
            note = parsed.explanation if parsed is not None else note_after_code(out.answer)
            yield FixResult(True, note or f"changed {changed} line(s)", new_text, edits, attempt,
                            kernel_facts=used_by_fix(shown, span.text, new_text), **_counts(outs, answer_format))
            return
    yield FixResult(False, f"no safe fix found: {error}", attempts=ATTEMPTS, **_counts(outs, answer_format))


def _counts(outs: list[Generation], answer_format: AnswerFormat) -> dict[str, Any]:
    return {"answer_format": answer_format,
            "thinking_tokens": sum(o.thinking_tokens for o in outs),
            "answer_tokens": sum(o.answer_tokens for o in outs),
            "tokens_exact": all(o.tokens_exact for o in outs)}


def fixed_structured(region: Region, answer: StructuredFix, language: str, problem: Problem | None = None,
                     context: str = "") -> tuple[str | None, str]:
    """The thin hand-off of a JSON answer to placement and verification: one candidate, code + imports."""
    if not answer.code.strip():
        return None, "the answer's code was empty"
    candidate = Candidate(answer.code, language, answer.imports, origin="structured")
    return fixed_from_candidates(region, [candidate], language, problem, context)


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
    choice = choose(region, language, candidates, problem_text, context, failing_lines(problem))
    return choice.text, choice.reason


def failing_lines(problem: Problem | None) -> frozenset[int]:
    """The document lines the error points at: the problem's line (a diagnostic's, all it spans, or the
    traceback's frame in the file or cell) and, in a notebook, every frame of the cell that ran (a call
    and the function's line it failed in). The fix must change one of them."""
    if problem is None:
        return frozenset()
    lines = set(cell_frame_lines(problem.traceback))
    if problem.line is not None:
        lines.update(range(problem.line, max(problem.line, problem.end_line or 0) + 1))
    return frozenset(lines)
