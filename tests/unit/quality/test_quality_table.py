"""The side-by-side table: verdicts per row and the files written."""

from __future__ import annotations

import json
from pathlib import Path

from codepal.bench.quality import table
from codepal.bench.quality.completion import summarise


def _attempt(text: str, shown: bool, exact: bool, parses: bool, accepted: int) -> dict[str, object]:
    return {"text": text, "seconds": 1.0, "shown": shown, "exact_line": exact,
            "parses": parses, "accepted": accepted, "error": ""}


RECORDS = [
    {"id": "a", "language": "python", "kind": "mid_line", "removed": "x + 1)",
     "raw": _attempt("x + 1)\nfoo", True, True, False, 6), "codepal": _attempt("x + 1)", True, True, True, 6)},
    {"id": "b", "language": "javascript", "kind": "block", "removed": "\n  return a;",
     "raw": _attempt("\n  return b;", True, False, True, 10), "codepal": _attempt("", False, False, False, 0)},
]


def test_summary_counts_both_sides_and_splits_by_language_and_kind() -> None:
    summary = summarise(RECORDS)
    assert summary["all"]["raw"]["shown"] == 2 and summary["all"]["codepal"]["shown"] == 1
    assert summary["all"]["raw"]["accepted_chars"] == 16 and summary["all"]["codepal"]["accepted_chars"] == 6
    assert summary["all"]["codepal"]["accepted_share_of_shown"] == 1.0
    assert summary["all"]["raw"]["accepted_share_of_shown"] == round(16 / 22, 4)
    assert summary["by_language"]["javascript"]["codepal"]["shown"] == 0
    assert summary["by_kind"]["mid_line"]["codepal"]["parses"] == 1


def test_rows_say_ahead_level_or_behind_in_the_right_direction() -> None:
    assert table.Row("x", 3, 4).verdict() == "ahead"
    assert table.Row("x", 3, 3).verdict() == "level"
    assert table.Row("x", 3, 2).verdict() == "BEHIND"
    assert table.Row("damaged", 2, 0, higher_is_better=False).verdict() == "ahead"
    assert table.Row("x", None, 1).verdict() == "n/a"
    assert table.Row("shown", 3, 1, info=True).verdict() == "(info)"


def test_files_hold_the_table_and_the_terminal_shows_it(tmp_path: Path) -> None:
    report = {"meta": {"command": "codepal bench --quality", "seed": 7, "started": "now", "duration_s": 1.0,
                       "server": {"model": "m", "device": "cpu"}},
              "completion": {"summary": summarise(RECORDS), "points": RECORDS}}
    paths = table.write(report, tmp_path, ["- a note"])
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [row["codepal_is"] for row in saved["table"]] == ["level", "level", "BEHIND", "ahead", "level", "(info)",
                                                            "(info)"]
    markdown = paths["md"].read_text(encoding="utf-8")
    assert "| completion: shown, and the file still parses | 1 | 1 | level |" in markdown
    assert "| completion: first line exactly right (of 2 points) | 1 | 1 | level |" in markdown
    assert "- a note" in markdown
    printed = table.terminal_table(table.rows(report), table.title(report))
    assert printed.splitlines()[0].startswith("codepal bench --quality")
    assert any(line.startswith("completion: characters a user would accept (of 18)") for line in printed.splitlines())


def test_the_breakdown_lists_codepal_refusals_by_reason() -> None:
    side = {"by_kind": {"off_by_one": 0}}
    refusals = {"no safe fix found: a": 1, "no safe fix found: b": 2}
    report = {"fix": {"summary": {"bugs": 3, "raw": side, "codepal": {**side, "refusals": refusals}},
                      "bugs": [{"kind": "off_by_one"}] * 3}}
    lines = table.breakdown(report).splitlines()
    at = lines.index("| codepal refused because | bugs |")
    assert lines[at + 2 : at + 4] == ["| no safe fix found: b | 2 |", "| no safe fix found: a | 1 |"]
