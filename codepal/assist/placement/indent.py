"""Indentation: a document's unit (a tab or n spaces), an answer converted to it, a block moved to a column."""

from __future__ import annotations

import re

from codepal.text.lines import split_lines

_LEADING = re.compile(r"[ \t]*")


def leading(line: str) -> str:
    return _LEADING.match(line).group()  # type: ignore[union-attr]


def indent_unit(text: str) -> str:
    """`\\t` when indented lines start with a tab, else the smallest space indent (4 when none)."""
    widths = []
    for line in split_lines(text):
        if not line.strip():
            continue
        if line.startswith("\t"):
            return "\t"
        width = len(leading(line))
        if width:
            widths.append(width)
    return " " * min(widths) if widths else "    "


def convert_indent(code: str, unit: str) -> str:
    """`code` re-indented from its own unit to `unit`: tabs ↔ spaces, 2 ↔ 4 spaces."""
    own = indent_unit(code)
    if own == unit or not code.strip() or not any(line[:1] in (" ", "\t") for line in code.split("\n")):
        return code
    out = []
    for line in code.split("\n"):
        ws = leading(line)
        if own == "\t":
            depth, rest = len(ws) - len(ws.lstrip("\t")), ws.lstrip("\t")
        else:
            depth, rest = len(ws) // len(own), ws[len(ws) // len(own) * len(own):]
        out.append(unit * depth + rest + line[len(ws):])
    return "\n".join(out)


def move_block(text: str, from_indent: str, to_indent: str, newline: str) -> str:
    """A block whose first line starts at its node (no indentation) and whose further lines carry
    `from_indent`: those lines re-based onto `to_indent`, joined with `newline`."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append("")
        elif line.startswith(from_indent):
            out.append(to_indent + line[len(from_indent):])
        else:
            out.append(to_indent + line.lstrip(" \t"))
    return newline.join(out)
