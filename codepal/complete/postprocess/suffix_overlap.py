"""Filter 6: drop what the suffix already says.

On the cursor line: the completion's tail equals the start of the rest of the line, or the completion
runs through the whole rest of the line (it was re-written). Below: a completion line equal to the
suffix's first non-blank line, or final lines equal to the suffix's first non-blank lines. Spacing is
ignored. Closers-only overlaps are left to the bracket filter, and a line cut never leaves brackets
that the completion itself opened unclosed.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import CLOSING_CHARS, squash, until_stable


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _same_line(ctx: Context, text: str) -> str:
    target = squash(ctx.line_suffix)
    if not target or "\n" in text or all(ch in CLOSING_CHARS for ch in target):
        return text
    index = [i for i, ch in enumerate(text) if not ch.isspace()]
    squashed = "".join(text[i] for i in index)
    for k, i in enumerate(index):
        if i > 0 and _word(text[i - 1]) and _word(text[i]):
            continue  # never cut inside a word
        tail = squashed[k:]
        if target.startswith(tail):
            if all(ch in CLOSING_CHARS for ch in tail):
                continue
            if len(tail) < len(target) and _word(tail[-1]) and _word(target[len(tail)]):
                continue  # the overlap would end inside a word of the suffix
            return text[:i]
        if len(target) >= 2 and tail.startswith(target):
            return text[:i]
    return text


def _lines(ctx: Context, text: str) -> str:
    wanted = ctx.suffix_lines
    if ctx.line_suffix.strip() and all(ch in CLOSING_CHARS for ch in ctx.line_suffix):
        wanted_first = wanted[1:2]  # `)` left on the cursor line: the next line is what follows
    else:
        wanted_first = wanted[:1]
    if not wanted:
        return text
    lines = text.split("\n")
    start = 0 if ctx.at_line_start else 1
    cuts: list[int] = []
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped and [stripped] == wanted_first and len(stripped) >= 3 and any(map(_word, stripped)):
            cuts.append(i)
            break
    texty = [(i, line.strip()) for i, line in enumerate(lines) if i >= start and line.strip()]
    for k in range(min(len(texty), len(wanted)), 0, -1):
        if [s for _, s in texty[-k:]] == wanted[:k]:
            cuts.append(texty[-k][0])
            break
    if not cuts:
        return text
    depths = ctx.scan(text).depths
    for cut in sorted(cuts):
        if depths[cut] <= 0:  # the kept part closes everything it opened
            return "\n".join(lines[:cut])
    return text


def _step(ctx: Context, text: str) -> str:
    return _lines(ctx, _same_line(ctx, text))


def drop_suffix_overlap(ctx: Context, text: str) -> str:
    return until_stable(_step, ctx, text)
