"""`codepal bench --smoke` end to end against the real vLLM test bed: every section, every target
figure, and a chart. Figures are printed, never asserted (this machine is shared and noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codepal.bench.targets import TARGETS, lookup
from codepal.engine import EngineInfo

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

SECTIONS = ("meta", "stages", "overhead", "typing", "prefix_cache", "type_through", "concurrency", "assist",
            "targets", "errors", "methods", "lsp_engine_state_flips")


def test_smoke_bench_writes_a_complete_report_and_a_chart(vllm: EngineInfo, tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {**os.environ, "CODEPAL_ENGINE__API_KEY": vllm.api_key or "", "HF_HUB_OFFLINE": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "codepal", "bench", "--smoke", "--url", vllm.url, "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    print(f"\n[bench --smoke] exit {done.returncode} after {time.monotonic() - started:.0f} s\n{done.stdout}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(SECTIONS) <= set(report)
    assert report["errors"] == {}
    assert [row["key"] for row in report["targets"]] == [target.key for target in TARGETS]
    missing = [target.key for target in TARGETS if lookup(report, target.key) is None and not target.needs]
    assert not missing, f"figures not measured: {missing}"
    for target in TARGETS:  # each target is printed with its limit and a pass/miss mark
        line = next(line for line in done.stdout.splitlines() if target.label in line)
        marks = ("pass", "MISS", "n/a") if target.needs else ("pass", "MISS")  # n/a: not given what it needs
        assert target.describe() in line and line.rstrip().endswith(marks)
    assert report["overhead"]["pairs"] >= 1 and report["overhead"]["pairs_with_same_tokens"] >= 0
    assert {"fast", "human"} <= set(report["typing"])
    assert set(report["prefix_cache"]["layouts"]) >= {"codepal", "context_on_top", "stable_only"}
    assert [level["editors"] for level in report["concurrency"]["levels"]] == [1, 4]
    assert {"explain_with_budget", "explain_no_budget", "fix_with_budget", "fix_no_budget"} <= set(report["assist"])
    for name in ("explain_with_budget", "explain_no_budget", "fix_with_budget", "fix_no_budget"):
        runs = report["assist"][name]["runs"]  # thinking + answer tokens are what vLLM generated
        assert all(run["tokens_exact"] and run["counts_match"] for run in runs), (name, runs)
    assert "api_key" not in json.dumps(report) and (vllm.api_key or "unset") not in json.dumps(report)
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# codepal bench results")
