"""Filter 4: indentation in the editor's style, relative to the cursor line.

The first line continues the cursor line. When the cursor sits in the indentation and the model
restated that indentation (it wrote `    return x` after the editor already put four spaces there),
the restated part is removed. Later lines keep their absolute column, re-written with tabs or
spaces as the editor is set up. It runs before the block-scope filter, which compares columns.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.lexer import BLOCK, CODE
from codepal.complete.postprocess.text import indent_width, leading_ws, make_indent


def _first_line(ctx: Context, line: str) -> str:
    ws = leading_ws(line)
    cursor = ctx.indent
    added = indent_width(ctx.line_prefix + ws, ctx.tab_size) - cursor
    # Exactly the cursor's indentation again: the model restated the line from column 0. (Only an
    # exact match counts, so that a second pass, seeing no indentation left, changes nothing.)
    restated = 0 < cursor == added
    target = added if restated else cursor + added
    full = make_indent(target, ctx.tab_size, ctx.insert_spaces)
    pad = full[len(ctx.line_prefix) :] if full.startswith(ctx.line_prefix) else " " * (target - cursor)
    return pad + line[len(ws) :]


def normalize_indentation(ctx: Context, text: str) -> str:
    lines = text.split("\n")
    if ctx.at_line_start:
        if lines[0].strip():
            lines[0] = _first_line(ctx, lines[0])
        elif len(lines) > 1:
            lines[0] = ""  # whitespace the cursor line would keep as trailing spaces
    style = ctx.style
    states: list[str] | None = None
    if ctx.cursor_state != CODE or any(d in text for d in style.multiline):
        states = ctx.scan(text).line_states
    for i in range(1, len(lines)):
        line = lines[i]
        ws = leading_ws(line)
        if not ws or (states is not None and states[i] not in (CODE, BLOCK)):
            continue  # no indentation, or inside a multi-line string where spaces are content
        if len(ws) == len(line):
            lines[i] = ""
            continue
        width = indent_width(ws, ctx.tab_size)
        lines[i] = make_indent(width, ctx.tab_size, ctx.insert_spaces) + line[len(ws) :]
    return "\n".join(lines)
