"""Filter 6: drop what the suffix already says.

On the cursor line: the completion's tail equals the start of the rest of the line, or the completion
runs through the whole rest of the line (it was re-written). Below: a completion line equal to the
suffix's first non-blank line, or final lines equal to the suffix's first non-blank lines. Spacing is
ignored. Closers-only overlaps are left to the bracket filter, and a line cut never leaves brackets
that the completion itself opened unclosed, unless everything after the cut is the suffix's start
again (the last line may be cut short, as `max_tokens` cuts it) and that repeat is long enough to be
no coincidence: the model wrote the missing line and then copied the code that follows, so the
suffix's own copy closes what the kept part opens (JavaScript at the end of a line, mostly).
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


# A repeat of the suffix that runs to the completion's end is trusted over bracket depth when it has
# this many characters (spacing ignored) on one whole line, or spans two lines or more.
_REPEAT_ONE_LINE = 10
_PARTIAL_MIN = 4  # a last line cut short must still have this many characters of the suffix's line


def _repeat_start(lines: list[str], start: int, following: list[str]) -> tuple[int, bool] | None:
    """The first line from which the rest of the completion is the suffix's first non-blank lines
    (spacing ignored; the last line may be the start of its counterpart), and whether the repeat is
    long enough to be trusted over bracket depth; None when there is no repeat of some length."""
    texty = [(i, squash(line)) for i, line in enumerate(lines) if i >= start and line.strip()]
    wanted = [squash(line) for line in following]
    for n, (index, _) in enumerate(texty):
        tail = [s for _, s in texty[n:]]
        if len(tail) > len(wanted) or tail[:-1] != wanted[: len(tail) - 1]:
            continue
        last, counterpart = tail[-1], wanted[len(tail) - 1]
        whole = last == counterpart
        # A last line cut short: the lines before it are the evidence, or it is long enough itself.
        if not whole and not (counterpart.startswith(last) and (len(tail) > 1 or len(last) >= _PARTIAL_MIN)):
            continue
        words = any(map(_word, "".join(tail)))
        full_lines = len(tail) - (0 if whole else 1)
        if not words or len("".join(tail)) < _REPEAT_ONE_LINE:
            continue
        return index, full_lines >= 2 or (full_lines == 1 and len(tail[0]) >= _REPEAT_ONE_LINE)
    return None


def _lines(ctx: Context, text: str) -> str:
    wanted = ctx.suffix_lines
    following = wanted
    if ctx.line_suffix.strip() and all(ch in CLOSING_CHARS for ch in ctx.line_suffix):
        following = wanted[1:]  # `)` left on the cursor line: the next line is what follows
    wanted_first = following[:1]
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
    found = _repeat_start(lines, start, following)
    repeat = None
    if found is not None:
        if found[1]:
            repeat = found[0]
        else:  # a repeat too short to trust alone: cut there only where the depth allows
            cuts.append(found[0])
    if not cuts and repeat is None:
        return text
    depths = ctx.scan(text).depths
    for cut in sorted(cuts):
        if repeat is not None and repeat <= cut:
            break
        if depths[cut] <= 0:  # the kept part closes everything it opened
            return "\n".join(lines[:cut])
    return text if repeat is None else "\n".join(lines[:repeat])


def _step(ctx: Context, text: str) -> str:
    return _lines(ctx, _same_line(ctx, text))


def drop_suffix_overlap(ctx: Context, text: str) -> str:
    return until_stable(_step, ctx, text)
