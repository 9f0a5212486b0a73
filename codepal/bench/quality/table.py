"""The side-by-side table (terminal and Markdown) and the files: `quality.md`, `quality.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    label: str
    raw: float | None
    codepal: float | None
    higher_is_better: bool = True
    unit: str = ""
    info: bool = False  # context for the other rows, not a figure one side should win

    def verdict(self) -> str:
        if self.info:
            return "(info)"
        if self.raw is None or self.codepal is None:
            return "n/a"
        if self.raw == self.codepal:
            return "level"
        ahead = self.codepal > self.raw if self.higher_is_better else self.codepal < self.raw
        return "ahead" if ahead else "BEHIND"


def rows(report: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    comp = (report.get("completion") or {}).get("summary", {}).get("all")
    if comp:
        raw, cp = comp["raw"], comp["codepal"]
        n = comp["points"]
        out += [
            Row(f"completion: first line exactly right (of {n} points)", raw["exact_line"], cp["exact_line"]),
            Row("completion: shown, and the file still parses", raw["parses"], cp["parses"]),
            Row(f"completion: characters a user would accept (of {comp['removed_chars']})",
                raw["accepted_chars"], cp["accepted_chars"]),
            Row("completion: share of shown characters that are right", raw["accepted_share_of_shown"],
                cp["accepted_share_of_shown"], unit="%"),
            Row("completion: shown with not one character right", raw["shown_nothing_right"],
                cp["shown_nothing_right"], higher_is_better=False),
            Row("completion: suggestion shown", raw["shown"], cp["shown"], info=True),
            Row("completion: median time per suggestion", raw["median_s"], cp["median_s"], unit="s", info=True),
        ]
    fix = (report.get("fix") or {}).get("summary")
    if fix:
        raw, cp = fix["raw"], fix["codepal"]
        out += [
            Row(f"fix: fixed, the check passes (of {fix['bugs']} bugs)", raw["fixed"], cp["fixed"]),
            Row("fix: damaged files (must be 0)", raw["damaged"], cp["damaged"], higher_is_better=False),
            Row("fix: changed but still failing", raw["wrong_fix"], cp["wrong_fix"], higher_is_better=False),
            Row("fix: left unchanged (a refusal)", raw["unchanged"], cp["unchanged"], info=True),
            Row("fix: median time per fix", raw["median_s"], cp["median_s"], unit="s", info=True),
        ]
    return out


def _value(row: Row, value: float | None) -> str:
    if value is None:
        return "–"
    if row.unit == "%":
        return f"{100 * value:.1f} %"
    if row.unit == "s":
        return f"{value:.1f} s"
    return f"{value:g}"


def _cells(row: Row) -> tuple[str, str, str, str]:
    return row.label, _value(row, row.raw), _value(row, row.codepal), row.verdict()


HEADER = ("figure", "raw model output", "codepal", "codepal is")


def terminal_table(table: list[Row], title: str) -> str:
    cells = [HEADER, *(_cells(row) for row in table)]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    lines = [title, ""]
    for index, line in enumerate(cells):
        lines.append("  ".join(
            text.ljust(widths[i]) if i in (0, 3) else text.rjust(widths[i]) for i, text in enumerate(line)))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def markdown_table(table: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "| --- | ---: | ---: | --- |"]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in table]
    return "\n".join(lines) + "\n"


def breakdown(report: dict[str, Any]) -> str:
    """Markdown: completion figures by language and by cursor kind, fixes by bug kind, codepal's
    refusals by reason."""
    summary = (report.get("completion") or {}).get("summary") or {}
    lines = ["| completion subset | points | shown raw / codepal | exact line | parses | accepted chars |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for group in ("by_language", "by_kind"):
        for name, totals in (summary.get(group) or {}).items():
            raw, cp = totals["raw"], totals["codepal"]
            lines.append(f"| {name} | {totals['points']} | {raw['shown']} / {cp['shown']} | "
                         f"{raw['exact_line']} / {cp['exact_line']} | {raw['parses']} / {cp['parses']} | "
                         f"{raw['accepted_chars']} / {cp['accepted_chars']} |")
    fix = (report.get("fix") or {}).get("summary") or {}
    if fix.get("bugs"):
        kinds = sorted(set(fix["raw"]["by_kind"]) | set(fix["codepal"]["by_kind"]))
        counts = {kind: sum(1 for r in report["fix"]["bugs"] if r["kind"] == kind) for kind in kinds}
        lines += ["", "| bug kind | bugs | fixed raw / codepal |", "| --- | ---: | ---: |"]
        lines += [f"| {kind} | {counts[kind]} | {fix['raw']['by_kind'].get(kind, 0)} / "
                  f"{fix['codepal']['by_kind'].get(kind, 0)} |" for kind in kinds]
        refusals = fix["codepal"].get("refusals") or {}
        if refusals:
            lines += ["", "| codepal refused because | bugs |", "| --- | ---: |"]
            lines += [f"| {reason.replace('|', '/')} | {count} |"
                      for reason, count in sorted(refusals.items(), key=lambda item: (-item[1], item[0]))]
    return "\n".join(lines) + "\n"


def title(report: dict[str, Any]) -> str:
    meta = report["meta"]
    server = meta.get("server", {})
    return (f"{meta['command']}  ·  model {server.get('model')} ({server.get('device')})  ·  seed {meta['seed']}  ·  "
            f"{meta.get('duration_s', 0):.0f} s")


def markdown(report: dict[str, Any], notes: list[str]) -> str:
    meta = report["meta"]
    server = meta.get("server", {})
    corpus = meta.get("corpus", {})
    lines = [
        "# codepal quality benchmark",
        "",
        f"Command: `{meta['command']}` ({meta['started']}; {meta.get('duration_s')} s in total: "
        f"{server.get('engine_start_s')} s starting vLLM, {meta.get('completion_s')} s completion, "
        f"{meta.get('fix_s')} s fix). Model `{server.get('model')}` on {server.get('device')}, "
        f"{meta.get('cpus')} CPUs, Python {meta.get('python')}, seed {meta['seed']}.",
        "",
        f"Corpus, built at run time: {corpus.get('cursor_points')} cursor points in {corpus.get('files')} files "
        f"({', '.join(f'{k} {v}' for k, v in (corpus.get('by_origin') or {}).items())}); "
        f"{(report.get('fix') or {}).get('summary', {}).get('bugs')} bug-injected functions with checks.",
        "",
        markdown_table(rows(report)),
        breakdown(report),
        "## How it is measured",
        "",
        *notes,
        "",
    ]
    return "\n".join(lines)


def write(report: dict[str, Any], out: Path, notes: list[str]) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "quality.json", "md": out / "quality.md"}
    report = {**report, "table": [{"label": r.label, "raw": r.raw, "codepal": r.codepal, "codepal_is": r.verdict()}
                                  for r in rows(report)]}
    paths["json"].write_text(json.dumps(report, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(report, notes), encoding="utf-8")
    return paths
