"""Prompt and answer sized from the engine's measured speed so the answer fits the deadline."""

from __future__ import annotations

from codepal.complete.pace import MIN_PROMPT_TOKENS, SHARE_OF_DEADLINE, EnginePace, Sample


def test_nothing_measured_means_the_full_budget() -> None:
    sizing = EnginePace().size(4000, 96, 3.0)
    assert (sizing.prompt_tokens, sizing.max_tokens, sizing.reduced) == (4000, 96, False)


def test_a_fast_engine_keeps_the_full_budget() -> None:
    pace = EnginePace()
    pace.note(Sample(4000, 0.04, 31, 0.1))  # a GPU: 100k prompt tokens/s, 300 tokens/s
    assert not pace.size(4000, 96, 3.0).reduced


def test_a_slow_engine_gets_what_fits_the_deadline() -> None:
    pace = EnginePace()
    pace.note(Sample(4000, 5.0, 0, 0.0))  # a cold CPU prefill: 800 tokens/s
    pace.note(Sample(1000, 0.3, 20, 1.0))  # a warm one (prefix cache), and 20 tokens/s
    sizing = pace.size(4000, 96, 3.0)
    assert sizing.reduced and sizing.max_tokens < 96
    predicted = sizing.prompt_tokens / 800 + sizing.max_tokens / 20
    assert predicted <= 3.0 * SHARE_OF_DEADLINE + 1e-9
    assert sizing.prompt_tokens >= MIN_PROMPT_TOKENS


def test_a_request_that_timed_out_before_its_first_token_bounds_the_rate() -> None:
    pace = EnginePace()
    pace.note(Sample(4000, None, 0, 3.0))  # nothing after 3 s: at most 1,333 tokens/s
    sizing = pace.size(4000, 32, 3.0)
    assert sizing.reduced and sizing.prompt_tokens <= 4000 / 3.0 * 3.0 * SHARE_OF_DEADLINE


def test_an_unmeasured_decode_rate_is_guessed_from_the_prefill_rate() -> None:
    pace = EnginePace()
    pace.note(Sample(4000, None, 0, 3.0))  # a CPU that never got to generate
    assert pace.size(4000, 96, 3.0).max_tokens < 96
    gpu = EnginePace()
    gpu.note(Sample(4000, 0.04, 0, 0.0))
    assert not gpu.size(4000, 96, 3.0).reduced


def test_a_rate_measured_elsewhere_sizes_the_first_completion() -> None:
    """The warm-up on open measures the engine before the first completion: on a slow CPU that completion
    is sized to the deadline instead of going out at full context."""
    pace = EnginePace()
    assert not pace.size(4000, 96, 3.0).reduced
    first = pace.size(4000, 96, 3.0, measured_elsewhere=300.0)  # an AVX2 CPU's FP32 prefill, tokens/s
    assert first.reduced and first.prompt_tokens < 300 * 3.0 * SHARE_OF_DEADLINE
    pace.note(Sample(4000, 0.04, 31, 0.1))  # then a completion's own measure (a GPU) takes over
    assert not pace.size(4000, 96, 3.0, measured_elsewhere=300.0).reduced
