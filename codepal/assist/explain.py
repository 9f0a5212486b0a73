"""Explain: the chosen code in, a Markdown explanation out, thinking streamed separately."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator

from codepal.assist import prompts
from codepal.assist.region import region_of
from codepal.assist.thinking import Generation, generate
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.kernel_facts import KernelFacts, KernelVariable, prompt_lines
from codepal.languages import normalize_language
from codepal.text.reasoning import strip_reasoning
from codepal.types import AssistEvent, CodeSpan, ExplainResult


def explain_prompt(span: CodeSpan, context: str = "", kernel: KernelFacts | None = None) -> str:
    language = normalize_language(span.language) or "text"
    code = region_of(span).code
    shown = prompt_lines(kernel.used_in(code)) if kernel else []
    return prompts.render(
        "explain", code=code, language=language, context=context_block(context, language),
        kernel=kernel_block(shown),
    )


def context_block(context: str, language: str) -> str:
    if not context.strip():
        return ""
    return prompts.render("context", context=context.strip("\n"), language=language)


def kernel_block(shown: list[KernelVariable]) -> str:
    """The live kernel's variables the prompt shows (names, types, shapes; never values)."""
    if not shown:
        return ""
    return prompts.render("kernel", variables="\n".join(f"- {variable.line()}" for variable in shown))


async def explain(
    client: ModelClient, span: CodeSpan, config: AssistConfig, context: str = "",
    kernel: KernelFacts | None = None,
) -> AsyncGenerator[AssistEvent, None]:
    """Thinking and answer deltas as they stream, then exactly one ExplainResult."""
    out = Generation()
    deadline = time.monotonic() + config.timeout_s
    prompt = explain_prompt(span, context, kernel)
    stream = generate(client, prompt, config.thinking_budget_explain, config, out, deadline)
    async with contextlib.aclosing(stream):
        async for event in stream:
            yield event
    yield ExplainResult(markdown=strip_reasoning(out.answer).strip(), thinking_tokens=out.thinking_tokens,
                        answer_tokens=out.answer_tokens, tokens_exact=out.tokens_exact)
