"""Filter 2: unwrap chat-style answers (a preamble sentence, a markdown fence) down to the code.

Code that came out of a fence was written as a standalone snippet: when its first line is not a
restatement of the prefix and starts at column 0, it is re-based onto the cursor line's indentation.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import is_blank, leading_ws
from codepal.text.fences import is_preamble, is_sentence, opening_fence


def _first_text_line(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if not is_blank(line)), len(lines))


def _extract(lines: list[str]) -> tuple[list[str], bool]:
    """One unwrapping step; True when a wrapper (preamble or opening fence) was removed."""
    i = _first_text_line(lines)
    if i == len(lines):
        return lines, False
    if is_preamble(lines[i]):  # and the sentences that follow it
        rest = lines[i + 1 :]
        k = 0
        while k < len(rest) and (is_blank(rest[k]) or is_sentence(rest[k])):
            k += 1
        return rest[k:], True
    k = i
    while k < len(lines) and (is_blank(lines[k]) or is_sentence(lines[k])):  # sentences: trusted before a fence
        k += 1
    if k > i and k < len(lines) and opening_fence(lines[k]):
        return lines[k:], True
    fence = opening_fence(lines[i])
    if fence:
        body = lines[i + 1 :]
        for j, line in enumerate(body):
            if fence.closed_by(line):
                body = body[:j]
                break
            glued = fence.code_before_close(line)
            if glued is not None:
                body = [*body[:j], glued]
                break
        return body[_first_text_line(body) :], True
    # No wrapper in front: a fence line further down closes the code (explanations follow it).
    for j, line in enumerate(lines):
        if opening_fence(line):
            return lines[:j], False
    return lines, False


def _rebase(ctx: Context, lines: list[str]) -> list[str]:
    if not lines or leading_ws(lines[0]) or not ctx.line_indent:
        return lines
    head = lines[0].strip()
    typed = ctx.line_prefix.strip()
    if head in (p.strip() for p in ctx.prev_lines) or (typed and head.startswith(typed)):
        return lines  # a restatement of the prefix keeps its absolute indentation
    return lines[:1] + [ctx.line_indent + line if line.strip() else line for line in lines[1:]]


def strip_chat_wrapping(ctx: Context, text: str) -> str:
    if ctx.in_comment or ("`" not in text and "~" not in text and not _could_be_preamble(text)):
        return text
    lines = text.split("\n")
    wrapped = False
    while True:
        new, removed = _extract(lines)
        wrapped = wrapped or removed
        if new == lines:
            break
        lines = new
    return "\n".join(_rebase(ctx, lines) if wrapped else lines)


def _could_be_preamble(text: str) -> bool:
    head = text.lstrip()[:1]
    return head.isalpha()
