"""One R1 generation: thinking streamed as progress and bounded by a budget, then the answer.

vLLM enforces `thinking_token_budget` itself (it forces `</think>`). Servers that ignore the field get a
client-side guard: past the budget (plus a margin, so vLLM's own cut always comes first) the stream is
closed, which aborts the sequence, and a second request continues an assistant turn prefilled with the
thinking so far and a closing `</think>`, so the model goes straight to the answer. (Templates that
drop thinking from assistant turns, like DeepSeek-R1's own, reject that; they get the thinking as notes.)
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from codepal.assist import prompts
from codepal.client import ChatDelta, ModelClient
from codepal.config import AssistConfig
from codepal.errors import BackendProtocolError, BackendTimeout
from codepal.types import AnswerDelta, ThinkingDelta

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # estimate of thinking tokens for the result, when the server sends no counts
# The guard must never cut before vLLM's own budget does, so it counts tokens from below: each streamed
# delta is at least one token, and no token is longer than this many characters (a run of spaces in a
# code tokenizer reaches 8-16; 4 per token cut R1's thinking early).
MAX_CHARS_PER_TOKEN = 16
MIN_MARGIN = 16
UNBOUNDED_THINKING = 2048  # generation room for thinking when the budget is 0 ("no limit")
CONTINUE = {"continue_final_message": True, "add_generation_prompt": False}

# Clients whose server rejected the prefill (400): DeepSeek-R1's template keeps only what follows
# `</think>` in an assistant turn, so vLLM cannot find the turn to continue. Asked once per client.
_NO_PREFILL: weakref.WeakKeyDictionary[ModelClient, bool] = weakref.WeakKeyDictionary()


@dataclass
class Generation:
    """Filled in while `generate` streams; final once it is exhausted."""

    thinking: str = ""
    answer: str = ""
    thinking_tokens: int = 0
    cut: bool = False  # the answer ran out of tokens (finish_reason "length"): its last block may be cut


def guard_limit(budget: int) -> int | None:
    return budget + max(MIN_MARGIN, budget // 4) if budget else None


async def generate(
    client: ModelClient, prompt: str, budget: int, config: AssistConfig, out: Generation, deadline: float
) -> AsyncGenerator[ThinkingDelta | AnswerDelta, None]:
    messages = [{"role": "user", "content": prompt}]  # no system prompt, as DeepSeek advises for R1
    if not client.thinks:
        budget = 0  # a model without thinking tokens answers at once: no thinking phase to bound
    limit = guard_limit(budget)
    thinking: list[str] = []
    answer: list[str] = []
    chars = 0
    deltas = 0
    reported: int | None = None
    stream = _generator(client.stream_chat(
        messages,
        max_tokens=(budget or (UNBOUNDED_THINKING if client.thinks else 0)) + config.max_answer_tokens,
        temperature=config.temperature,
        top_p=config.top_p,
        thinking_token_budget=budget or None,
        starts_thinking=client.thinks,
    ))
    async with contextlib.aclosing(stream):  # leaving early closes the HTTP stream: vLLM aborts
        async for delta in stream:
            _check(deadline)
            if delta.reasoning_tokens:
                reported = delta.reasoning_tokens
            if delta.reasoning:
                thinking.append(delta.reasoning)
                chars += len(delta.reasoning)
                deltas += 1
                yield ThinkingDelta(delta.reasoning)
            if delta.content:
                answer.append(delta.content)
                yield AnswerDelta(delta.content)
            if delta.finish_reason:
                out.cut = delta.finish_reason == "length"
            if limit is not None and not answer and max(deltas, chars // MAX_CHARS_PER_TOKEN) > limit:
                log.info("thinking passed its budget (%d tokens); asking for the answer", budget)
                break
    out.thinking = "".join(thinking)
    out.thinking_tokens = reported or -(-chars // CHARS_PER_TOKEN)
    if "".join(answer).strip() or not out.thinking.strip():
        out.answer = "".join(answer)
        return
    # Thinking without an answer: cut by the guard, or the generation ran out of tokens mid-thought.
    async for event in _answer_after(client, prompt, out.thinking, config, deadline, out):
        answer.append(event.text)
        yield event
    out.answer = "".join(answer)


async def _answer_after(
    client: ModelClient, prompt: str, thinking: str, config: AssistConfig, deadline: float, out: Generation
) -> AsyncIterator[AnswerDelta]:
    if not _NO_PREFILL.get(client):
        # The R1 template opens the turn with "<think>\n" itself; a prefilled turn must say it too.
        prefill = "<think>\n" + thinking.rstrip() + "\n</think>\n\n"
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": prefill}]
        try:
            async for event in _continue(client, messages, config, deadline, out):
                yield event
            return
        except BackendProtocolError as exc:
            if "400" not in str(exc):
                raise
            log.info("the server cannot continue a prefilled thinking turn (%s); sending notes", exc)
            _NO_PREFILL[client] = True
    notes = prompts.render("continue", prompt=prompt, thinking=thinking.strip())
    messages = [{"role": "user", "content": notes}, {"role": "assistant", "content": ""}]
    async for event in _continue(client, messages, config, deadline, out):
        yield event


async def _continue(
    client: ModelClient, messages: list[dict[str, str]], config: AssistConfig, deadline: float, out: Generation
) -> AsyncIterator[AnswerDelta]:
    extra: dict[str, Any] = dict(CONTINUE)
    stream = _generator(client.stream_chat(
        messages, max_tokens=config.max_answer_tokens, temperature=config.temperature, top_p=config.top_p,
        starts_thinking=False, extra=extra,
    ))
    async with contextlib.aclosing(stream):
        async for delta in stream:
            _check(deadline)
            # The server's reasoning parser cannot see the `</think>` in the prompt and may label the
            # whole continuation as reasoning: here everything is answer.
            text = delta.reasoning + delta.content
            if text:
                yield AnswerDelta(text)
            if delta.finish_reason:
                out.cut = delta.finish_reason == "length"


def _generator(stream: AsyncIterator[ChatDelta]) -> AsyncGenerator[ChatDelta, None]:
    """`stream_chat` is an async generator; typed as one so that it can be closed deterministically."""
    return cast(AsyncGenerator[ChatDelta, None], stream)


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise BackendTimeout("the model did not finish its answer in time (assist.timeout_s)")
