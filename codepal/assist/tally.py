"""Exact thinking and answer token counts of one streamed generation.

vLLM's own `reasoning_tokens` counts only what follows a `<think>` in the output, and R1's chat template
puts that tag in the prompt, so it reports 0. Asked with `return_token_ids`, vLLM sends the ids of every
generated token, also of tokens that stream no text (the `</think>` that ends the thinking, the end
token). Every token before the first answer text is thinking; from the piece that carries answer text
on, answer. The usage's `completion_tokens` (sent last) then checks the sum: if pieces were missed, the
difference counts as thinking, the answer's ids being the ones seen. Servers that send no ids get an
estimate of ~4 characters a token, or their own reasoning count when it is not zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from codepal.client import ChatDelta

CHARS_PER_TOKEN = 4


@dataclass
class TokenTally:
    thinking_ids: int = 0
    answer_ids: int = 0
    thinking_chars: int = 0
    seen_ids: bool = False
    answer_started: bool = False
    completion_tokens: int | None = None
    reported_reasoning: int | None = None

    def add(self, delta: ChatDelta) -> int | None:
        """Count one piece; returns its tokens (None when the server sent no ids)."""
        if delta.completion_tokens is not None:
            self.completion_tokens = delta.completion_tokens
        if delta.reasoning_tokens:
            self.reported_reasoning = delta.reasoning_tokens
        self.thinking_chars += len(delta.reasoning)
        if delta.content:
            self.answer_started = True
        if delta.token_count is None:
            return None
        self.seen_ids = True
        if self.answer_started:
            self.answer_ids += delta.token_count
        else:
            self.thinking_ids += delta.token_count
        return delta.token_count

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
