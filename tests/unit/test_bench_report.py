"""The benchmark's report: targets with pass/miss, the terminal and Markdown tables, files, chart."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from codepal.bench import chart, report
from codepal.bench.targets import TARGETS, evaluate, lookup
from codepal.cli import bench_cmd


def sample_report() -> dict[str, Any]:
    typing = {"keystrokes": 74, "model_requests": 3, "requests_per_keystroke": 0.0405, "cancel_sent": 71,
              "model_requests_aborted": 0, "generated_tokens": 48.0, "wasted_fraction": 0.0,
              "to_shown_ms_median": 317.4, "bursts_with_suggestion": 3, "bursts": 3, "bursts_shown_fraction": 1.0,
              "running_after_300ms_max": 0.0, "prefix_cache_hit_rate": 0.8, "repeats": 3}
    return {
        "meta": {"duration_s": 200.0, "server": {"engine_start_s": 80.0}, "loadavg_start": [3.0, 2, 1],
                 "loadavg_end": [4.0, 2, 1]},
        "overhead": {"pairs": 16, "direct_ms": {"median": 120.0, "p95": 160.0},
                     "lsp_ms": {"median": 122.0, "p95": 170.0}, "added_ms_median": 2.5, "added_ms_p95": 10.0,
                     "ratio_median": 1.017, "ratio_p95": 1.06, "ratio_of_medians": 1.017,
                     "ratio_of_p95s": 1.063, "prepare_ms": {"median": 1.5},
                     "pairs_with_same_tokens": 16},
        "stages": {"context_prompt": {"p50_ms": 4.0, "p95_ms": 12.5, "cold_ms": 60.0},
                   "postprocess": {"p50_ms": 0.1, "p99_ms": 0.3}},
        "typing": {"fast": typing, "human": {**typing, "requests_per_keystroke": 0.31}},
        "type_through": {"model_requests": 0, "latency_median_ms": 1.4, "keystrokes": 40,
                         "answers_continuing_suggestion": 40, "latency_ms": {"p95": 3.0}},
        "prefix_cache": {"hit_rate": 0.93, "hit_rate_after_first": 0.95, "block_size": 128, "layouts": {
            "codepal": {"hit_rate": 0.82, "vs_codepal": 1.0, "live_hit_rate": 0.757},
            "context_on_top": {"hit_rate": 0.92, "vs_codepal": 1.12, "live_hit_rate": 0.646},
            "live_requests": {"fast": 3, "human": 9}}},
        "concurrency": {"levels": [{"editors": 1, "p50_ms": 150.0, "p95_ms": 200.0, "requests_per_s": 6.0,
                                    "tokens_per_s": 90.0},
                                   {"editors": 4, "p50_ms": 300.0, "p95_ms": 500.0, "requests_per_s": 12.0,
                                    "tokens_per_s": 180.0}]},
        "assist": {"budget": 64, "explain_with_budget": {"first_progress_ms": 40.0, "first_answer_ms": 300.0,
                                                         "done_ms": 600.0, "thinking_tokens": 70}},
        "lsp_engine_state_flips": [],
        "deadline": {"model": "real-model", "device": "cpu", "deadline_ms": 3000, "settings": {"deadline_ms": 3000},
                     "fitted": {"points": 40, "answered_fraction": 0.95, "shown": 30, "prefill_tokens_per_s": 900.0,
                                "decode_tokens_per_s": 25.0, "block_prompt_tokens": 1200, "block_max_tokens": 18},
                     "full": {"points": 40, "answered_fraction": 0.0, "shown": 0}},
        "errors": {},
    }


def test_every_target_is_evaluated_with_pass_or_miss() -> None:
    rows = {row["key"]: row for row in evaluate(sample_report())}
    assert set(rows) == {target.key for target in TARGETS}
    assert rows["overhead.added_ms_median"]["pass"] is True
    assert rows["stages.context_prompt.p95_ms"]["pass"] is False  # 12.5 is not < 10
    assert rows["type_through.model_requests"]["pass"] is True  # == 0
    assert rows["prefix_cache.hit_rate"]["target"] == ">= 90 %"


def test_missing_figures_are_not_measured_rather_than_passed() -> None:
    rows = evaluate({"overhead": None, "typing": {"fast": {"wasted_fraction": None}}})
    assert all(row["pass"] is None and row["value"] is None for row in rows)
    assert lookup({"a": {"b": 1}}, "a.b") == 1 and lookup({"a": 1}, "a.b") is None


def test_terminal_table_shows_each_target_next_to_its_value_and_mark() -> None:
    text = report.format_table(report.all_rows(sample_report()), "title")
    lines = text.splitlines()
    assert lines[0] == "title"
    for target in TARGETS:
        line = next(line for line in lines if target.label in line)
        assert target.describe() in line and line.rstrip().endswith(("pass", "MISS")), line
    assert "2.50 ms" in text and "93.0 %" in text and "0.0 %" in text
    assert "1 editor:" in text and "4 editors" in text
    live = next(line for line in lines if "the server's own request pattern (3 + 9 requests)" in line)
    assert "codepal / context_on_top" in live and "75.7 % / 64.6 %" in live


def test_markdown_table_and_files(tmp_path: Path) -> None:
    rows = report.all_rows({"errors": {"assist": "RuntimeError: x|y"}})
    markdown = report.markdown_table(rows)
    assert markdown.startswith("**Targets**\n\n| figure | value | target | |\n| --- | ---: | --- | --- |\n")
    assert "| post-processing p99 (thread CPU time) | – | < 2 ms | n/a |" in markdown
    assert "**Run**\n\n| figure | value |\n" in markdown and "x\\|y" in markdown
    paths = report.write({"a": 1}, tmp_path / "out", "table\n", markdown)
    assert json.loads(paths["report"].read_text()) == {"a": 1}
    assert paths["table"].read_text() == "table\n" and paths["summary"].read_text() == markdown


@pytest.mark.parametrize(("value", "kwargs", "text"), [
    (None, {}, "–"), (0.1234, {"percent": True}, "12.3 %"), (2.5, {"unit": "ms"}, "2.50 ms"),
    (34.25, {"unit": "ms"}, "34.2 ms"), (3, {}, "3"), (True, {}, "yes"), ("x", {}, "x"),
])
def test_fmt(value: Any, kwargs: dict[str, Any], text: str) -> None:
    assert report.fmt(value, **kwargs) == text


def test_chart_is_a_png_even_for_a_partial_report(tmp_path: Path) -> None:
    for data in (sample_report(), {}):
        path = chart.draw(data, tmp_path / f"chart{len(data)}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_rejects_unknown_scenarios_before_starting_anything(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    bench_cmd.add_arguments(parser, "bench")
    args = parser.parse_args(["--quick", "--only", "overhead,nonsense"])
    assert bench_cmd.run(args) == 2
    assert "nonsense" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--quick", "--smoke"])


def test_the_command_line_in_the_report_hides_the_api_key() -> None:
    shown = bench_cmd._command(["bench", "--url", "http://h:1", "--api-key", "s3cret", "--api-key=other"])
    assert "s3cret" not in shown and "other" not in shown and shown.startswith("codepal bench --url")


def test_running_without_an_engine_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(tmp_path / "state"))
    parser = argparse.ArgumentParser()
    bench_cmd.add_arguments(parser, "bench")
    assert bench_cmd.run(parser.parse_args(["--running", "--smoke"])) == 2
    assert "codepal serve" in capsys.readouterr().err


def test_a_summary_of_one_scenario_names_only_what_ran() -> None:
    """`--only deadline` measures no overhead, typing or cache: its summary must not print their notes or None."""
    full = sample_report()
    partial = {"meta": {"duration_s": 214.5, "started": "2026-12-06", "cpus": 2, "server": {},
                        "loadavg_start": [1.0, 1, 1], "loadavg_end": [1.0, 1, 1]},
               "deadline": full["deadline"], "errors": {}}
    text = bench_cmd._summary(partial, "codepal bench --only deadline", "", chart=False)
    assert "None" not in text
    assert "**Slow engine**" in text
    assert "**Overhead**" not in text and "**Wasted tokens**" not in text and "**Prefix cache**" not in text
    assert "214.5 s in total)." in text
    whole = bench_cmd._summary(full, "codepal bench --quick", "", chart=False)
    for note in ("**Overhead**", "**Core stages**", "**Wasted tokens**", "**Prefix cache**", "**Slow engine**"):
        assert note in whole
    assert "of which 80.0 s starting vLLM" in whole
