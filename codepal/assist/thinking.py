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
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from codepal.assist import prompts
from codepal.assist.tally import TokenTally
from codepal.client import ChatDelta, ModelClient
from codepal.config import AssistConfig
from codepal.errors import BackendProtocolError, BackendTimeout
from codepal.text.reasoning import THINK_CLOSE, THINK_OPEN
from codepal.types import AnswerDelta, ThinkingDelta

log = logging.getLogger(__name__)

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
    answer_tokens: int = 0
    tokens_exact: bool = False  # counted from the server's token ids (see tally.py), not estimated
    cut: bool = False  # the answer ran out of tokens (finish_reason "length"): its last block may be cut


def guard_limit(budget: int) -> int | None:
    return budget + max(MIN_MARGIN, budget // 4) if budget else None


async def generate(
    client: ModelClient, prompt: str, budget: int, config: AssistConfig, out: Generation, deadline: float,
    extra: Mapping[str, Any] | None = None,
) -> AsyncGenerator[ThinkingDelta | AnswerDelta, None]:
    """`extra`: more request fields (a `response_format`), sent with every request of this generation."""
    messages = [{"role": "user", "content": prompt}]  # no system prompt, as DeepSeek advises for R1
    if not client.thinks:
        budget = 0  # a model without thinking tokens answers at once: no thinking phase to bound
    limit = guard_limit(budget)
    thinking: list[str] = []
    answer: list[str] = []
    tally = TokenTally()
    deltas = 0
    stream = _generator(client.stream_chat(
        messages,
        max_tokens=(budget or (UNBOUNDED_THINKING if client.thinks else 0)) + config.max_answer_tokens,
        temperature=config.temperature,
        top_p=config.top_p,
        thinking_token_budget=budget or None,
        starts_thinking=client.thinks,
        extra=extra,
    ))
    async with contextlib.aclosing(stream):  # leaving early closes the HTTP stream: vLLM aborts
        async for delta in stream:
            _check(deadline)
            counted = tally.add(delta)  # (thinking, answer) tokens of this piece; see tally.py
            thought, answered = counted if counted is not None else (None, None)
            if delta.reasoning or thought:
                thinking.append(delta.reasoning)
                deltas += bool(delta.reasoning)
                yield ThinkingDelta(delta.reasoning, tokens=thought)
            if delta.content or answered:
                answer.append(delta.content)
                yield AnswerDelta(delta.content, tokens=answered)
            if delta.finish_reason:
                out.cut = delta.finish_reason == "length"
            if limit is not None and not tally.answer_started and _thinking_so_far(tally, deltas) > limit:
                log.info("thinking passed its budget (%d tokens); asking for the answer", budget)
                break
    await tally.settle(client)
    out.thinking = "".join(thinking)
    out.thinking_tokens, out.answer_tokens, out.tokens_exact = tally.thinking, tally.answer, tally.exact
    if "".join(answer).strip() or not out.thinking.strip():
        out.answer = "".join(answer)
        return
    # Thinking without an answer: cut by the guard, or the generation ran out of tokens mid-thought.
    async for event in _answer_after(client, prompt, out.thinking, config, deadline, out, extra):
        answer.append(event.text)
        out.answer_tokens += event.tokens or 0
        yield event
    out.answer = "".join(answer)


async def _answer_after(
    client: ModelClient, prompt: str, thinking: str, config: AssistConfig, deadline: float, out: Generation,
    extra: Mapping[str, Any] | None,
) -> AsyncIterator[AnswerDelta]:
    if not _NO_PREFILL.get(client):
        # The R1 template opens the turn with "<think>\n" itself; a prefilled turn must say it too.
        prefill = f"{THINK_OPEN}\n{thinking.rstrip()}\n{THINK_CLOSE}\n\n"
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": prefill}]
        try:
            async for event in _continue(client, messages, config, deadline, out, extra):
                yield event
            return
        except BackendProtocolError as exc:
            if exc.status != 400:
                raise
            log.info("the server cannot continue a prefilled thinking turn (%s); sending notes", exc)
            _NO_PREFILL[client] = True
    notes = prompts.render("continue", prompt=prompt, thinking=thinking.strip())
    messages = [{"role": "user", "content": notes}, {"role": "assistant", "content": ""}]
    async for event in _continue(client, messages, config, deadline, out, extra):
        yield event


async def _continue(
    client: ModelClient, messages: list[dict[str, str]], config: AssistConfig, deadline: float,
    out: Generation, extra: Mapping[str, Any] | None,
) -> AsyncIterator[AnswerDelta]:
    """Every generated token of a continuation is answer: the events carry their token counts (an
    event without text may carry the end token's)."""
    fields: dict[str, Any] = {**(extra or {}), **CONTINUE}
    stream = _generator(client.stream_chat(
        messages, max_tokens=config.max_answer_tokens, temperature=config.temperature, top_p=config.top_p,
        starts_thinking=False, extra=fields,
    ))
    async with contextlib.aclosing(stream):
        async for delta in stream:
            _check(deadline)
            # The server's reasoning parser cannot see the `</think>` in the prompt and may label the
            # whole continuation as reasoning: here everything is answer.
            text = delta.reasoning + delta.content
            if text or delta.token_count:
                yield AnswerDelta(text, tokens=delta.token_count)
            if delta.finish_reason:
                out.cut = delta.finish_reason == "length"


def _thinking_so_far(tally: TokenTally, deltas: int) -> int:
    """Exact with token ids; else from below (each delta is at least one token, and at most
    MAX_CHARS_PER_TOKEN characters make one)."""
    return tally.thinking_ids if tally.seen_ids else max(deltas, tally.thinking_chars // MAX_CHARS_PER_TOKEN)


def _generator(stream: AsyncIterator[ChatDelta]) -> AsyncGenerator[ChatDelta, None]:
    """`stream_chat` is an async generator; typed as one so that it can be closed deterministically."""
    return cast(AsyncGenerator[ChatDelta, None], stream)


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise BackendTimeout("the model did not finish its answer in time (assist.timeout_s)")
