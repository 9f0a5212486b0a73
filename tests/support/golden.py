"""Reader for golden post-processing cases (`*.golden`; the format is described in
tests/unit/golden/README.md). Used by the golden tests, and by scripts/bench_postprocess_inputs.py to refresh
the benchmark's post-processing workload."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CURSOR = "█"
TAB = "⇥"
EOL_MARK = "¶"
_HEADER = re.compile(r"--- (document|model output|expected|options:)(.*)$")


@dataclass(frozen=True)
class Case:
    name: str
    language: str
    prefix: str
    suffix: str
    output: str
    expected: str
    tab_size: int = 4
    insert_spaces: bool = True
    source: str = ""  # file:line, for failure messages


def _body(lines: list[str]) -> str:
    while lines and lines[-1] == "":
        lines.pop()  # blank separator lines; a line ending in ¶ is content
    text = "\n".join(line[:-1] if line.endswith(EOL_MARK) else line for line in lines)
    return text.replace(TAB, "\t")


def _options(spec: str, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in spec.replace(",", " ").split():
        key, _, value = item.partition("=")
        if key not in ("tab_size", "insert_spaces", "crlf", "language"):
            raise ValueError(f"{where}: unknown option {key!r}")
        out[key] = value or "true"
    return out


def _build(name: str, lang: str, sections: dict[str, list[str]], opts: dict[str, str], where: str) -> Case:
    missing = {"document", "model output", "expected"} - sections.keys()
    if missing:
        raise ValueError(f"{where}: case {name!r} lacks {sorted(missing)}")
    document = _body(sections["document"])
    if document.count(CURSOR) != 1:
        raise ValueError(f"{where}: case {name!r} needs exactly one {CURSOR} in its document")
    expected = _body(sections["expected"])
    if opts.get("crlf") == "true":
        document, expected = document.replace("\n", "\r\n"), expected.replace("\n", "\r\n")
    prefix, suffix = document.split(CURSOR)
    return Case(
        name=name,
        language=opts.get("language", lang),
        prefix=prefix,
        suffix=suffix,
        output=_body(sections["model output"]),
        expected=expected,
        tab_size=int(opts.get("tab_size", "4")),
        insert_spaces=opts.get("insert_spaces", "true") == "true",
        source=where,
    )


def load_file(path: Path) -> list[Case]:
    lang = path.stem
    cases: list[Case] = []
    name, where, section = "", "", ""
    sections: dict[str, list[str]] = {}
    opts: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate([*lines, "=== "], start=1):
        if line.startswith("=== "):
            if name:
                cases.append(_build(name, lang, sections, opts, where))
            name, where, section = line[4:].strip(), f"{path.name}:{number}", ""
            sections, opts = {}, {}
            continue
        header = _HEADER.match(line)
        if header and name:
            section = header.group(1)
            if section == "options:":
                opts = _options(header.group(2), f"{path.name}:{number}")
            else:
                sections[section] = []
        elif section and section != "options:":
            sections[section].append(line.removesuffix("\r"))
    return cases


def load_dir(directory: Path) -> list[Case]:
    return [case for path in sorted(directory.glob("*.golden")) for case in load_file(path)]
