"""The overhead scenario's paired figures: with each request's own time in the engine taken out, a
constant cost of the language server's path is read exactly through engine jitter that buries it end to end."""

from __future__ import annotations

import random

from codepal.bench.overhead import paired_figures
from codepal.bench.stats import median


def _pairs(count: int, added_ms: float, jitter_ms: float) -> tuple[list[float], ...]:
    """Requests whose engine time swings by ±jitter_ms; outside the engine the direct path takes 5 ms
    and the language server's path `added_ms` more."""
    draw = random.Random(7).uniform
    direct_engine = [85 + draw(-jitter_ms, jitter_ms) for _ in range(count)]
    lsp_engine = [85 + draw(-jitter_ms, jitter_ms) for _ in range(count)]
    direct = [inside + 5 for inside in direct_engine]
    lsp = [inside + 5 + added_ms for inside in lsp_engine]
    return lsp, direct, lsp_engine, direct_engine


def test_the_engines_own_time_is_taken_out_of_each_pair() -> None:
    lsp, direct, lsp_engine, direct_engine = _pairs(80, 2.0, 15.0)
    figures = paired_figures(lsp, direct, lsp_engine, direct_engine)
    assert figures["estimator"] == "outside the engine"
    assert figures["added_ms_median"] == 2.0 and figures["added_ms_p95"] == 2.0
    assert figures["added_ms_median_se"] == 0.0
    # End to end, the same pairs read far from 2 ms, with a standard error that says so.
    assert abs(figures["end_to_end_added_ms_median"] - 2.0) > 0.5
    assert figures["end_to_end_added_ms_median_se"] > 1.0
    assert figures["engine_added_ms_median"] == round(figures["end_to_end_added_ms_median"] - 2.0, 3)
    # Each pair's ratio as if both requests had taken the direct one's engine time.
    assert figures["ratio_median"] == round(median([(d + 2.0) / d for d in direct]) or 0.0, 3)
    assert figures["ratio_median"] != figures["end_to_end_ratio_median"]


def test_an_engine_that_the_path_slows_shows_apart() -> None:
    lsp, direct, lsp_engine, direct_engine = _pairs(80, 1.0, 0.0)
    slower = [inside + 4.0 for inside in lsp_engine]
    figures = paired_figures([total + 4.0 for total in lsp], direct, slower, direct_engine)
    assert figures["added_ms_median"] == 1.0
    assert figures["engine_added_ms_median"] == 4.0 and figures["end_to_end_added_ms_median"] == 5.0


def test_without_engine_times_the_end_to_end_differences_are_the_figures() -> None:
    lsp, direct, _, _ = _pairs(40, 2.0, 15.0)
    figures = paired_figures(lsp, direct, None, None)
    assert figures["estimator"] == "end to end"
    assert figures["added_ms_median"] == figures["end_to_end_added_ms_median"]
    assert figures["added_ms_median_se"] == figures["end_to_end_added_ms_median_se"]
    assert "engine_added_ms_median" not in figures
