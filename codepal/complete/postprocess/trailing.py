"""Filter 9: no trailing whitespace, and a clean line for a closer the suffix holds.

On one line, spaces at the end are kept when the rest of the line starts right after the cursor with
a word (`if █== 3` + `x ` → `x `), or when they are inside a string the cursor is in. A multi-line
block inserted before a closer on the cursor line (`foo(█)`, `{█}`) ends with a line break and the
cursor line's indentation, so the closer lands on its own line under its opener.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.lexer import BLOCK, CODE
from codepal.complete.postprocess.text import CLOSING_CHARS


def trim_trailing(ctx: Context, text: str) -> str:
    if "\n" not in text:
        stripped = text.rstrip()
        after = ctx.line_suffix[:1]
        if stripped and after and not after.isspace() and after not in CLOSING_CHARS:
            return text  # the completion's last space separates it from the rest of the line
        if stripped != text and ctx.scan(text).state not in (CODE, BLOCK):
            return text  # `input("Name: ` — the space is part of the string
        return stripped
    lines = [line.rstrip() for line in text.rstrip().split("\n")]
    text = "\n".join(lines)
    rest = ctx.line_suffix.lstrip()
    if len(lines) > 1 and rest[:1] in (")", "]", "}") and lines[-1].strip():
        text += "\n" + ctx.line_indent
    return text
