"""Statistics of `codepal bench`: percentiles, summaries, medians over repeats, ratios."""

from __future__ import annotations

import pytest

from codepal.bench.stats import (
    median,
    median_over_repeats,
    median_standard_error,
    paired_differences,
    paired_ratios,
    percentile,
    ratio,
    summarize,
)


def test_percentile_interpolates_between_closest_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 4.0
    assert percentile(samples, 0.5) == 2.5
    assert percentile(range(1, 101), 0.95) == pytest.approx(95.05)
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_none_and_bad_quantiles_raise() -> None:
    assert percentile([], 0.5) is None
    assert median([]) is None
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_summary_has_every_key_even_without_samples() -> None:
    empty = summarize([])
    assert empty["n"] == 0 and empty["median"] is None and empty["p95"] is None
    full = summarize([1, 2, 3, 4, 100])
    assert full == {"n": 5, "median": 3.0, "p95": 80.8, "p99": 96.16, "min": 1.0, "max": 100.0, "mean": 22.0}


def test_ratio_and_paired_differences() -> None:
    assert ratio(105.0, 100.0) == 1.05
    assert ratio(1.0, 0.0) is None and ratio(None, 2.0) is None
    assert paired_differences([10.0, 12.0], [9.0, 13.0]) == [1.0, -1.0]
    with pytest.raises(ValueError):
        paired_differences([1.0], [])


def test_paired_ratios_are_each_pairs_own_and_differ_from_the_ratio_of_medians() -> None:
    lsp, direct = [52.0, 63.0, 84.0], [50.0, 60.0, 80.0]
    assert paired_ratios(lsp, direct) == [1.04, 1.05, 1.05]
    # Drift between pairs: the separate medians' ratio mixes pairs, the paired one does not.
    assert ratio(median([52.0, 90.0, 54.0]), median([50.0, 80.0, 48.0])) == 1.08
    assert median(paired_ratios([52.0, 90.0, 54.0], [50.0, 80.0, 48.0])) == 1.125
    assert paired_ratios([3.0], [0.0]) == []
    with pytest.raises(ValueError):
        paired_ratios([1.0], [])


def test_median_over_repeats_takes_numbers_and_keeps_the_rest_from_the_first_run() -> None:
    runs = [
        {"requests": 3, "rate": 0.5, "label": "a", "flag": True, "nested": {"x": 1}, "maybe": None},
        {"requests": 9, "rate": 0.1, "label": "b", "flag": False, "nested": {"x": 2}, "maybe": 4},
        {"requests": 5, "rate": 0.3, "label": "c", "flag": True, "nested": {"x": 3}, "maybe": None},
    ]
    merged = median_over_repeats(runs)
    assert merged["requests"] == 5 and merged["rate"] == 0.3
    assert merged["label"] == "a" and merged["flag"] is True
    assert "nested" not in merged
    assert merged["maybe"] is None  # first run's value: None is not a number to take a median of
    assert merged["repeats"] == 3
    assert median_over_repeats([]) == {}


def test_the_medians_standard_error_is_repeatable_and_grows_with_the_spread() -> None:
    assert median_standard_error([]) is None and median_standard_error([3.0]) is None
    assert median_standard_error([2.0] * 40) == 0.0
    narrow = [40.0 + (i % 7) * 0.1 for i in range(80)]
    wide = [40.0 + (i % 7) * 5.0 for i in range(80)]
    assert median_standard_error(narrow) == median_standard_error(narrow)  # a fixed seed: a report reads the same
    narrow_se, wide_se = median_standard_error(narrow), median_standard_error(wide)
    assert narrow_se is not None and wide_se is not None and 0 < narrow_se < wide_se
