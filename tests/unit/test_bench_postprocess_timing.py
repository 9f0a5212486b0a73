"""The benchmark's post-processing timing returns its statistics (no timing assertions: machines differ)."""

from __future__ import annotations

from codepal.bench.stages import PostprocessInput, postprocess_inputs, postprocess_timing

KEYS = {"cases", "calls", "p50_ms", "p99_ms", "max_ms", "wall_p50_ms", "wall_p99_ms", "wall_max_ms"}


def test_timing_over_the_shipped_workload() -> None:
    inputs = postprocess_inputs()
    assert len(inputs) >= 110 and len({case.language for case in inputs}) >= 8
    stats = postprocess_timing(repeats=1)
    assert set(stats) == KEYS
    assert stats["cases"] == len(inputs) and stats["calls"] == stats["cases"]
    assert 0 <= stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert 0 <= stats["wall_p50_ms"] <= stats["wall_p99_ms"] <= stats["wall_max_ms"]


def test_timing_over_given_inputs() -> None:
    given = [PostprocessInput("def f():\n    ", "", "return 1", "python"),
             PostprocessInput("x = ", "", "1", "python", tab_size=2, insert_spaces=False)]
    stats = postprocess_timing(repeats=3, inputs=given)
    assert set(stats) == KEYS
    assert stats["cases"] == 2 and stats["calls"] == 6


def test_timing_with_nothing() -> None:
    stats = postprocess_timing(repeats=5, inputs=[])
    assert stats["calls"] == 0 and stats["p99_ms"] is None
