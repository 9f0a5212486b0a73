"""The micro-benchmark returns its statistics (no timing assertions: machines differ)."""

from __future__ import annotations

from codepal.complete.postprocess.golden import Case
from codepal.complete.postprocess.timing import measure

KEYS = {"cases", "calls", "p50_ms", "p99_ms", "mean_ms", "max_ms"}


def test_measure_over_the_golden_cases() -> None:
    stats = measure(repeats=1)
    assert set(stats) == KEYS
    assert stats["cases"] >= 110 and stats["calls"] == stats["cases"]
    assert 0 <= stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]


def test_measure_over_given_cases() -> None:
    case = Case("c", "python", "def f():\n    ", "", "return 1", "return 1")
    stats = measure([case, ("x = ", "", "1", "python")], repeats=3)
    assert set(stats) == KEYS
    assert stats["cases"] == 2 and stats["calls"] == 6


def test_measure_with_nothing() -> None:
    assert measure([], repeats=5)["calls"] == 0
