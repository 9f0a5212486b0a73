"""Filter 2: unwrap chat-style answers (a preamble sentence, a markdown fence) down to the code.

Code that came out of a fence was written as a standalone snippet: when its first line is not a
restatement of the prefix and starts at column 0, it is re-based onto the cursor line's indentation.
"""

from __future__ import annotations

import re

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import is_blank, leading_ws

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[ \t]*$")
_PREAMBLE = re.compile(
    r"(?:sure|certainly|of course|absolutely|okay|ok|alright|great)[!,.](?:\s.*)?"
    r"|here(?:'s|’s| is| are)\b.*(?::|\.)$"
    r"|(?:the |this )?(?:complete[d]?|finished|full|fixed|final|updated|corrected)\s+"
    r"(?:code|function|implementation|version|snippet|solution)\b.*[:.]$"
    r"|(?:to complete|i'll|i will|let me|let's|you can)\b.*:$",
    re.IGNORECASE,
)
# A sentence: capitalised, at least three words, closing punctuation. Only trusted before a fence.
_PROSE = re.compile(r"[A-Z][\w'’,-]*(?: [^ \n]+){2,}[.:!?]$")


def _first_text_line(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if not is_blank(line)), len(lines))


def _extract(lines: list[str]) -> tuple[list[str], bool]:
    """One unwrapping step; True when a wrapper (preamble or opening fence) was removed."""
    i = _first_text_line(lines)
    if i == len(lines):
        return lines, False
    head = lines[i].strip()
    if _PREAMBLE.fullmatch(head):  # and the sentences that follow it
        rest = lines[i + 1 :]
        k = 0
        while k < len(rest) and (is_blank(rest[k]) or _PROSE.fullmatch(rest[k].strip())):
            k += 1
        return rest[k:], True
    k = i
    while k < len(lines) and (is_blank(lines[k]) or _PROSE.fullmatch(lines[k].strip())):
        k += 1
    if k > i and k < len(lines) and _FENCE.fullmatch(lines[k]):
        return lines[k:], True
    opener = _FENCE.fullmatch(lines[i])
    if opener:
        mark = opener.group(1)
        body = lines[i + 1 :]
        for j, line in enumerate(body):
            close = _FENCE.fullmatch(line)
            if close and close.group(1)[0] == mark[0] and len(close.group(1)) >= len(mark):
                body = body[:j]
                break
        return body[_first_text_line(body) :], True
    # No wrapper in front: a fence line further down closes the code (explanations follow it).
    for j, line in enumerate(lines):
        if _FENCE.fullmatch(line):
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
