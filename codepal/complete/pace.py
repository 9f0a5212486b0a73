"""How fast the engine is, and how much prompt and answer fit the completion deadline.

On a GPU a 4,000-token prompt is prefilled in tens of milliseconds; on a CPU the same prompt can take
longer than the whole deadline, and then no suggestion is ever shown. The rates are measured from
recent completion requests: prefill from the time to the first token (the slowest recent one per
prompt token: a request that missed vLLM's prefix cache prefilled its whole prompt), decode from the
time between the first and the last token. While the full context would not fit the deadline, the
prompt budget and `max_tokens` are cut to what does, with a margin.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

SHARE_OF_DEADLINE = 0.7  # what the model may use of the deadline (the rest: network, queueing, noise)
DECODE_SHARE = 0.35  # of that, at most this much for generating: the rest is the prompt's
MIN_PROMPT_TOKENS = 128
MIN_ANSWER_TOKENS = 8
DECODE_GUESS = 40  # prompt tokens prefilled in the time one token is generated, until measured
# A completion with nothing measured, where the engine may be slow (no GPU here): small enough that a
# CPU prefills and answers it within a 3 s deadline (SmolLM2-135M on an AVX2 CPU: 200-300 prompt
# tokens/s, 18 tokens/s), and its answer measures the engine for the next one.
PROBE_PROMPT_TOKENS = 384
PROBE_MAX_TOKENS = 16
_SAMPLES = 16


@dataclass(frozen=True)
class Sample:
    prompt_tokens: int
    first_token_s: float | None  # None: no token came before the deadline
    tokens: int = 0  # generated after the first one
    decode_s: float = 0.0


@dataclass(frozen=True)
class Sizing:
    prompt_tokens: int
    max_tokens: int
    reduced: bool = False  # cut to fit the deadline
    probe: bool = False  # nothing measured: a probe's size, for a prompt larger than one (`size`)


class EnginePace:
    """Recent samples of one engine; safe to note from any task or thread."""

    def __init__(self) -> None:
        self._samples: deque[Sample] = deque(maxlen=_SAMPLES)
        self._lock = threading.Lock()

    def note(self, sample: Sample) -> None:
        with self._lock:
            self._samples.append(sample)

    def prefill_rate(self) -> float | None:
        """Prompt tokens per second of the slowest recent prefill (a lower bound for a late one)."""
        with self._lock:
            rates = [s.prompt_tokens / max(s.first_token_s, 1e-3) if s.first_token_s is not None
                     else s.prompt_tokens / max(s.decode_s, 1e-3)  # decode_s holds the time waited
                     for s in self._samples if s.prompt_tokens >= 32]
        return min(rates) if rates else None

    def decode_rate(self) -> float | None:
        """Tokens per second while generating (the median of recent requests that generated some)."""
        with self._lock:
            rates = sorted(s.tokens / s.decode_s for s in self._samples
                           if s.first_token_s is not None and s.tokens >= 2 and s.decode_s > 0)
        return rates[len(rates) // 2] if rates else None

    def size(self, prompt_tokens: int, max_tokens: int, deadline_s: float,
             measured_elsewhere: float | None = None, probe: bool = False) -> Sizing:
        """The prompt budget and answer length that fit `deadline_s`, at most the ones asked for.
        `measured_elsewhere`: a prefill rate measured by other requests to the engine (the cache
        warm-up's), used until a completion has measured one: otherwise the first completion on a slow
        CPU goes out at full context, and a 4,000-token prefill there holds the engine for tens of
        seconds (vLLM cannot abort it mid-step), so the next few completions miss the deadline too.
        `probe`: with nothing measured at all, a probe's size (PROBE_PROMPT_TOKENS, PROBE_MAX_TOKENS),
        for an engine that may be slow; the caller uses it where the prompt would be larger than that."""
        prefill = self.prefill_rate() or measured_elsewhere
        if prefill is None:
            if probe and prompt_tokens > PROBE_PROMPT_TOKENS:
                return Sizing(PROBE_PROMPT_TOKENS, min(max_tokens, PROBE_MAX_TOKENS), True, probe=True)
            return Sizing(prompt_tokens, max_tokens)
        # Until a request has generated a few tokens, guess: decoding a token costs about what
        # prefilling DECODE_GUESS of them does (a CPU; a GPU prefills far faster than that, so its
        # guessed decode rate is high and nothing is cut).
        decode = self.decode_rate() or prefill / DECODE_GUESS
        usable = deadline_s * SHARE_OF_DEADLINE
        answer = max_tokens
        if max_tokens / decode > usable * DECODE_SHARE:
            answer = max(MIN_ANSWER_TOKENS, int(decode * usable * DECODE_SHARE))
        generating = answer / decode
        fits = int(prefill * max(0.0, usable - generating))
        if fits >= prompt_tokens and answer == max_tokens:
            return Sizing(prompt_tokens, max_tokens)
        return Sizing(max(MIN_PROMPT_TOKENS, min(prompt_tokens, fits)), min(answer, max_tokens), True)
