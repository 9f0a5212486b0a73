"""Small statistics for the benchmark: percentiles, summaries, medians over repeats, ratios."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def percentile(samples: Iterable[float], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) with linear interpolation between closest ranks (NumPy's default);
    None for no samples."""
    ordered = sorted(samples)
    if not ordered:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile out of range: {q}")
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(samples: Iterable[float]) -> float | None:
    return percentile(samples, 0.5)


def median_standard_error(samples: Sequence[float], resamples: int = 1000, seed: int = 0) -> float | None:
    """The bootstrap standard error of the median (`resamples` draws with replacement, a fixed seed so a
    report reads the same twice): how far the median of another run on the same machine may fall. None
    for fewer than two samples."""
    values = list(samples)
    if len(values) < 2:
        return None
    draw = random.Random(seed).choices
    medians = [median(draw(values, k=len(values))) or 0.0 for _ in range(resamples)]
    return statistics.pstdev(medians)


def summarize(samples: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """n, median, p95, p99, min, max and mean of `samples` (None values when there are none)."""
    values = [float(s) for s in samples]
    if not values:
        return {"n": 0, "median": None, "p95": None, "p99": None, "min": None, "max": None, "mean": None}

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, digits)

    return {
        "n": len(values),
        "median": r(median(values)),
        "p95": r(percentile(values, 0.95)),
        "p99": r(percentile(values, 0.99)),
        "min": r(min(values)),
        "max": r(max(values)),
        "mean": r(sum(values) / len(values)),
    }


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(numerator / denominator, digits)


def paired_differences(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] - b[i] for measurements taken side by side (same prompt, back to back)."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    return [x - y for x, y in zip(a, b, strict=True)]


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] for measurements taken side by side; pairs whose b[i] is 0 are left out."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    return [x / y for x, y in zip(a, b, strict=True) if y]


def median_over_repeats(runs: Sequence[Mapping[str, Any]], digits: int = 4) -> dict[str, Any]:
    """Per key, the median of the numeric values across repeated runs; other values from the first run.

    Lists and dicts are not merged (they stay per run, under `runs`)."""
    if not runs:
        return {}
    merged: dict[str, Any] = {}
    for key, first in runs[0].items():
        values = [run.get(key) for run in runs]
        numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if isinstance(first, int | float) and not isinstance(first, bool) and numbers:
            value = median(numbers)
            merged[key] = None if value is None else round(value, digits)
        elif not isinstance(first, list | dict):
            merged[key] = first
    merged["repeats"] = len(runs)
    return merged
