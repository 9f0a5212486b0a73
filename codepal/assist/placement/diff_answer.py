"""A ```diff answer, applied by its context lines: each hunk's old lines must occur exactly once."""

from __future__ import annotations

import re

from codepal.assist.placement.indent import leading
from codepal.text.lines import split_lines

_HUNK = re.compile(r"^@@ .* @@")


def looks_like_diff(code: str, tag: str) -> bool:
    lines = [line for line in code.split("\n") if line.strip()]
    if tag in ("diff", "patch", "udiff"):
        return True
    if any(_HUNK.match(line) for line in lines) or (
            any(line.startswith("--- ") for line in lines) and any(line.startswith("+++ ") for line in lines)):
        return True
    return bool(lines) and all(line[:1] in "+- " for line in lines) \
        and any(line.startswith("+") for line in lines) and any(line.startswith("-") for line in lines)


def apply_diff(document: str, diff: str) -> tuple[str | None, str]:
    """(the patched document, "") or (None, why the diff cannot be applied)."""
    hunks = _hunks(diff)
    if not hunks:
        return None, "the answer's diff has no changes"
    newline = "\r\n" if "\r\n" in document else "\n"
    lines = split_lines(document)
    for old, new in hunks:
        at = _find(lines, old)
        if at is None:
            return None, "the answer's diff does not match the code (its context is not found exactly once)"
        shift = _indent_shift(lines[at], old[0])
        lines[at:at + len(old)] = [shift + line if line.strip() else line for line in new]
    return newline.join(lines), ""


def _hunks(diff: str) -> list[tuple[list[str], list[str]]]:
    hunks: list[tuple[list[str], list[str]]] = []
    old: list[str] = []
    new: list[str] = []
    for line in diff.split("\n"):
        if line.startswith(("--- ", "+++ ", "diff ", "index ")) or _HUNK.match(line):
            if old or new:
                hunks.append((old, new))
            old, new = [], []
            continue
        if line.startswith("\\"):  # "\ No newline at end of file"
            continue
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:
            text = line[1:] if line.startswith(" ") else line
            old.append(text)
            new.append(text)
    if old or new:
        hunks.append((old, new))
    return [(o, n) for o, n in (_trim(o, n) for o, n in hunks) if o != n and any(x.strip() for x in o)]


def _trim(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    while old and new and not old[-1].strip() and not new[-1].strip():
        old, new = old[:-1], new[:-1]
    return old, new


def _find(lines: list[str], old: list[str]) -> int | None:
    """The one place `old` occurs (exact but for trailing spaces, else ignoring indentation)."""
    for key in (str.rstrip, str.strip):
        want = [key(line) for line in old]
        have = [key(line) for line in lines]
        found = [i for i in range(len(have) - len(want) + 1) if have[i:i + len(want)] == want]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def _indent_shift(document_line: str, diff_line: str) -> str:
    """What the diff's lines lack in indentation compared with the document (a diff of dedented code)."""
    have, want = leading(diff_line), leading(document_line)
    return want[len(have):] if want.startswith(have) else ""
