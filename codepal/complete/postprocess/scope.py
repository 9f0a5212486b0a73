"""Filter 5: one line when the cursor is mid-line, otherwise a block that ends where its syntax does.

A block ends when (a) a line closes a bracket the cursor is inside (that line is kept: the closer may
be missing from the document; the suffix filter drops it when the suffix has it), (b) the bracket or
Python `:` block opened on the cursor line is over, (c) a line dedents below the statement the
completion started, or (d) a new definition starts after a blank line. Never more than MAX_LINES.
Tree-sitter is not used: the completion alone rarely parses, and re-parsing the document around it
would cost more than the whole pipeline's budget; brackets and indentation answer the question.
"""

from __future__ import annotations

import re

from codepal.complete.postprocess.context import Context, comment_start
from codepal.complete.postprocess.lexer import CODE
from codepal.complete.postprocess.text import CLOSERS, indent_width, is_blank, leading_ws

MAX_LINES = 20
_CONTINUATION = re.compile(r"(?:elif|else|except|finally)\b")
_DEFINITION = re.compile(
    r"(?:(?:export|default|pub(?:\([\w:]+\))?|public|private|protected|static|async|inline|extern|"
    r"abstract|final|unsafe|virtual|override)\s+)*(?:def|class|function|func|fn|struct|enum|interface|impl|"
    r"trait|type|mod|namespace|template|@\w)\b"
    # C, C++, Java: `int main(void) {`, `public String name() throws X {`
    r"|(?!(?:return|else|new|throw|case|await|yield|delete|typeof|goto)\b)(?:[\w<>\[\]*&:,.?]+\s+)+[*&]*"
    r"(?!(?:if|for|while|switch|catch|return|sizeof)\b)[\w:~]+\s*\(.*\)\s*(?:const\s*)?"
    r"(?:throws\s[\w., ]+)?\{?$"
    # JavaScript/TypeScript methods: `decrement(): void {`
    r"|(?!(?:if|for|while|switch|catch|with|return|function)\b)[\w$]+\s*\([^;]*\)\s*(?::\s*[^;{]+)?\{$"
)


def _opens(ctx: Context, head: str, depth_after: int, base: int) -> str:
    """What the completion's first statement line opens: a bracket block, a Python block, or nothing."""
    if depth_after > base:
        return "bracket"
    if ctx.style.indent_blocks and depth_after == base and _ends_with_colon(ctx, head):
        return "indent"
    return ""


def _ends_with_colon(ctx: Context, line: str) -> bool:
    cut = comment_start(line, ctx.style)
    return (line if cut < 0 else line[:cut]).rstrip().endswith(":")


def limit_scope(ctx: Context, text: str) -> str:
    if ctx.single_line:
        return text.split("\n", 1)[0]
    lines = text.split("\n", MAX_LINES)
    if len(lines) == 1:
        return text
    if len(lines) > MAX_LINES:  # never kept: do not pay for scanning it
        lines[MAX_LINES] = ""
    sc = ctx.scan("\n".join(lines))
    base = -ctx.line_open_count  # depth of the cursor line's statement, relative to the cursor
    first = 0
    if ctx.at_line_start:
        first = next((i for i, line in enumerate(lines) if not is_blank(line)), -1)
        if first < 0:
            return text
        head = ctx.line_prefix + lines[0] if first == 0 else lines[first]
        stmt = indent_width(leading_ws(head), ctx.tab_size)
        if first > 0 and stmt < ctx.indent:
            return "\n".join(lines[:first])  # it starts after the cursor's block is over
    else:
        head, stmt = ctx.line_prefix + lines[0], ctx.indent
    # Only a block the user opened on the cursor line bounds the completion; at a fresh line a
    # compound statement may be followed by more statements of the same block.
    mode = "" if ctx.at_line_start else _opens(ctx, head, sc.depths[first + 1], base)
    for i in range(first + 1, len(lines)):
        depth = sc.depths[i]
        if i >= MAX_LINES or depth < base:
            return "\n".join(lines[:i])
        if mode == "bracket" and depth <= base:
            if not (ctx.style.indent_blocks and _ends_with_colon(ctx, lines[i - 1])):
                return "\n".join(lines[:i])
            mode = "indent"  # `def f(\n    a,\n):` — the bracket was a header's, the block follows
        line = lines[i]
        stripped = line.strip()
        if not stripped or depth > base or sc.line_states[i] != CODE or stripped[0] in CLOSERS:
            continue  # blank, a continuation line, inside a string/comment, or handled by depth
        width = indent_width(leading_ws(line), ctx.tab_size)
        if width < stmt:
            return "\n".join(lines[:i])
        if width == stmt and (
            (mode == "indent" and not _CONTINUATION.match(stripped))
            or (_DEFINITION.match(stripped) and is_blank(lines[i - 1]))
        ):
            return "\n".join(lines[:i])
    return text
