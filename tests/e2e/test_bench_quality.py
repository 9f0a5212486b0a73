"""`codepal bench --quality` in a tiny configuration against the tiny test model: structure only (the
random model's text is gibberish, so its figures mean nothing and are printed, not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codepal.engine import EngineInfo

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


def test_tiny_quality_bench_writes_the_side_by_side_table(vllm: EngineInfo, tmp_path: Path) -> None:
    env = {**os.environ, "CODEPAL_ENGINE__API_KEY": vllm.api_key or "", "HF_HUB_OFFLINE": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "codepal", "bench", "--quality", "--url", vllm.url, "--points", "6", "--bugs", "2",
         "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    print(f"\n[bench --quality] exit {done.returncode} after {time.monotonic() - started:.0f} s\n{done.stdout}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))
    assert {"meta", "completion", "fix", "table"} <= set(report)
    points = report["completion"]["points"]
    assert 1 <= len(points) <= 6
    assert report["completion"]["codepal_counters"]["errors"] == 0
    assert not [p["raw"]["error"] for p in points if p["raw"]["error"]]
    for point in points:
        assert point["kind"] in ("mid_line", "line_start", "block")
        for side in ("raw", "codepal"):
            attempt = point[side]
            assert attempt["accepted"] <= len(point["removed"])
            assert attempt["shown"] or not (attempt["parses"] or attempt["exact_line"] or attempt["accepted"])
    summary = report["fix"]["summary"]
    assert summary["bugs"] + summary["not_caught_by_check"] == 2
    for side in ("raw", "codepal"):
        assert sum(summary[side][o] for o in ("fixed", "unchanged", "wrong_fix", "damaged")) == summary["bugs"]
    assert summary["codepal"]["damaged"] == 0  # a fix that is not verified is refused, never applied
    labels = [row["label"] for row in report["table"]]
    assert len(labels) == 12
    for label in labels:  # each row printed with both sides and a verdict
        line = next(line for line in done.stdout.splitlines() if line.startswith(label))
        assert line.rstrip().endswith(("ahead", "level", "BEHIND", "n/a", "(info)"))
    assert (tmp_path / "quality.md").read_text(encoding="utf-8").startswith("# codepal quality benchmark")
    assert "api_key" not in json.dumps(report) and (vllm.api_key or "unset") not in json.dumps(report)
