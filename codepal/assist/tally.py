"""Exact thinking and answer token counts of one streamed generation.

vLLM's own `reasoning_tokens` counts only what follows a `<think>` in the output, and R1's chat template
puts that tag in the prompt, so it reports 0. Asked with `return_token_ids`, vLLM sends the ids of every
generated token, also of tokens that stream no text (the `</think>` that ends the thinking, the end
token). A piece of thinking text counts to the thinking, a piece of answer text to the answer, a piece
without text to the thinking until the answer has begun. A piece with both (vLLM merged several steps
across the `</think>`) is split at the `</think>` token, whose id the server's `/tokenize` gives, once
per client. The usage's `completion_tokens` (sent last) checks the sum: pieces that went missing count
as thinking. Servers that send no ids get an estimate of ~4 characters a token, or their own reasoning
count when it is not zero.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field

from codepal.client import ChatDelta, ModelClient
from codepal.errors import BackendError
from codepal.text.reasoning import THINK_CLOSE

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
_END_OF_THINKING: weakref.WeakKeyDictionary[ModelClient, int | None] = weakref.WeakKeyDictionary()


@dataclass
class TokenTally:
    thinking_ids: int = 0
    answer_ids: int = 0
    thinking_chars: int = 0
    seen_ids: bool = False
    answer_started: bool = False
    completion_tokens: int | None = None
    reported_reasoning: int | None = None
    mixed: list[tuple[int, ...]] = field(default_factory=list)  # pieces of both, counted as answer so far

    def add(self, delta: ChatDelta) -> tuple[int, int] | None:
        """Count one piece; returns its (thinking, answer) tokens, None when the server sent no ids."""
        if delta.completion_tokens is not None:
            self.completion_tokens = delta.completion_tokens
        if delta.reasoning_tokens:
            self.reported_reasoning = delta.reasoning_tokens
        self.thinking_chars += len(delta.reasoning)
        if delta.content:
            self.answer_started = True
        ids = delta.token_ids
        if ids is None:
            return None
        self.seen_ids = True
        if delta.reasoning and delta.content:
            self.mixed.append(ids)
        if delta.content or (self.answer_started and not delta.reasoning):
            self.answer_ids += len(ids)
            return 0, len(ids)
        self.thinking_ids += len(ids)
        return len(ids), 0

    async def settle(self, client: ModelClient) -> None:
        """Split the mixed pieces at the `</think>` token (left as they are if its id is unknown)."""
        if not self.mixed:
            return
        end = await end_of_thinking_id(client)
        for ids in self.mixed:
            if end is not None and end in ids:
                moved = ids.index(end) + 1
                self.thinking_ids += moved
                self.answer_ids -= moved
        self.mixed.clear()

    @property
    def exact(self) -> bool:
        return self.seen_ids or bool(self.reported_reasoning)

    @property
    def thinking(self) -> int:
        if self.seen_ids:
            if self.completion_tokens is not None and self.completion_tokens >= self.answer_ids:
                return self.completion_tokens - self.answer_ids
            return self.thinking_ids
        if self.reported_reasoning:
            return self.reported_reasoning
        return -(-self.thinking_chars // CHARS_PER_TOKEN)

    @property
    def answer(self) -> int:
        if self.seen_ids:
            return self.answer_ids
        if self.completion_tokens is not None:
            return max(0, self.completion_tokens - self.thinking)
        return 0


async def end_of_thinking_id(client: ModelClient) -> int | None:
    """The id of `</think>` in the served model's vocabulary (its last id: /tokenize may add a BOS)."""
    if client not in _END_OF_THINKING:
        try:
            ids = await client.tokenize(THINK_CLOSE)
            _END_OF_THINKING[client] = ids[-1] if ids else None
        except BackendError as exc:
            log.info("cannot look up the id of %s (%s); thinking counts may be off by a token", THINK_CLOSE, exc)
            _END_OF_THINKING[client] = None
    return _END_OF_THINKING[client]
