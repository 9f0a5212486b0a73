"""Filter 3: remove text that restates the prefix (the line being typed, or the lines just above it).

Chat-tuned models often answer with the whole statement instead of its continuation: for the line
`    return a` they write `return a + b`; after `def add(a, b):` they repeat the `def` line first.
"""

from __future__ import annotations

import re

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import until_stable

_WORD_END = re.compile(r"[A-Za-z_]\w*$")


def _restates(lines: list[str], prev: list[str], j: int) -> bool:
    """The first `j` completion lines equal the last `j` prefix lines (and say something)."""
    if len(lines) < j or len(prev) < j:
        return False
    echoed = [line.strip() for line in lines[:j]]
    if echoed != [p.strip() for p in prev[-j:]]:
        return False
    joined = "".join(echoed)
    return len(joined) >= 4 and any(ch.isalnum() for ch in joined)


def _step(ctx: Context, text: str) -> str:
    typed = ctx.line_prefix.lstrip(" \t")
    core = typed.rstrip()
    lines = text.split("\n")
    prev = ctx.prev_lines
    if not core:
        for j in range(min(3, len(prev)), 0, -1):
            if _restates(lines, prev, j):
                return "\n".join(lines[j:])
        return text
    for j in range(min(3, len(prev)), 0, -1):
        if len(lines) > j and lines[j].lstrip().startswith(core) and _restates(lines, prev, j):
            text = "\n".join(lines[j:])
            break
    body = text.lstrip(" \t")
    if body.startswith(typed):
        return body[len(typed) :]
    if body.startswith(core):
        rest = body[len(core) :]
        # The user already typed the space after `core`; the model's own spacing would double it.
        return rest.lstrip(" \t") if typed != core else rest
    # The word being typed, restarted: `os.listd` + `listdir(".")`.
    word = _WORD_END.search(typed)
    if word and len(word.group()) >= 3 and text.startswith(word.group()):
        rest = text[len(word.group()) :]
        if rest[:1].isalnum() or rest[:1] == "_":
            return rest
    return text


def drop_prefix_echo(ctx: Context, text: str) -> str:
    return until_stable(_step, ctx, text)
