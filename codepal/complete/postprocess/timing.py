"""Micro-benchmark of the post-processing pipeline, for `codepal bench` and regression checks."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from codepal.complete.postprocess.golden import Case, load_dir
from codepal.complete.postprocess.pipeline import postprocess

# The golden cases live with the tests; an installed package falls back to a few typical inputs.
GOLDEN_DIR = Path(__file__).resolve().parents[3] / "tests" / "unit" / "golden"

_FALLBACK: tuple[tuple[str, str, str, str], ...] = (
    ("def add(a, b):\n    ", "\n\nprint(add(1, 2))\n", "return a + b\n\ndef sub(a, b):\n    pass", "python"),
    ("const xs = items.map(", ");\n", "(x) => x.id);\nconsole.log(xs);", "javascript"),
    ("func main() {\n\t", "\n}\n", "fmt.Println(\"hi\")\n}\n\nfunc other() {}", "go"),
    ("if (x", " > 0) {\n", " > 0) {", "c"),
)

CaseLike = Case | Sequence[str]


def _unpack(case: CaseLike) -> tuple[str, str, str, str, int, bool]:
    if isinstance(case, Case):
        return case.prefix, case.suffix, case.output, case.language, case.tab_size, case.insert_spaces
    prefix, suffix, output, language = case[0], case[1], case[2], case[3]
    return prefix, suffix, output, language, 4, True


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(cases: Iterable[CaseLike] | None = None, repeats: int = 20) -> dict[str, float | int]:
    """Time `postprocess` on each case `repeats` times; per-call latency percentiles in ms.

    `cases` are golden `Case`s or `(prefix, suffix, output, language)` tuples; by default the golden
    cases (or built-in samples when the tests are not around)."""
    if cases is None:
        found = load_dir(GOLDEN_DIR) if GOLDEN_DIR.is_dir() else []
        chosen: list[CaseLike] = list(found) or list(_FALLBACK)
    else:
        chosen = list(cases)
    samples: list[float] = []
    for case in chosen:
        prefix, suffix, output, language, tab_size, spaces = _unpack(case)
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            postprocess(prefix, suffix, output, language, tab_size=tab_size, insert_spaces=spaces)
            samples.append((time.perf_counter() - start) * 1000.0)
    if not samples:
        return {"cases": 0, "calls": 0, "p50_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(samples)
    return {
        "cases": len(chosen),
        "calls": len(samples),
        "p50_ms": round(_percentile(ordered, 0.50), 4),
        "p99_ms": round(_percentile(ordered, 0.99), 4),
        "mean_ms": round(sum(samples) / len(samples), 4),
        "max_ms": round(ordered[-1], 4),
    }
