"""Filter 8: drop output a small model produces when it loops or has nothing to say.

Whitespace only, binary garbage, punctuation only, or a short pattern repeated many times
(`)))))))))))))))))))))`, `a, b, a, b, a, b, a, b, a, b`) is dropped; a loop that starts after a word
is cut off there, however much of the answer it fills (that is where the token budget ran out, not a
judgement on the text before it). A line (or group of up to 3 lines) repeated 3+ times in a row, or one
line repeated nested deeper each time (`if (x) {` / `    if (x) {` / ...), keeps its first round: that is
the model's next line, the rounds after it are the loop (on real code, dropping the first round too threw
away correct lines: `return`, an import, a call).
It runs on the whole output, before the block filter would hide the loop.
"""

from __future__ import annotations

import re
from operator import eq

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import leading_ws, squash, until_stable

# Control characters, lone surrogates and U+FFFD: bytes that were never text, not code.
_GARBAGE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff\ufffd]")
_ALNUM = re.compile(r"[^\W_]")
_WORD = re.compile(r"\S+")
_IN_WORD = re.compile(r"(.{1,24}?)\1{4,}")
# Loops show early, and later text is cut by the block filter anyway: look no further than this.
_SPAN = 2000
_MAX_LINES = 200
# Runs of these are comment banners and separators (`# ------`), not loops.
_BANNER = frozenset("-=#*/_~+.")


def _runs(items: list[str], period: int, repeats: int) -> list[int]:
    """Indexes where `period` items start being repeated `repeats` times in a row (at most 20).

    `map(eq, ...)` compares in C; a run of equal pairs `period * (repeats - 1)` long is the loop."""
    same = bytes(map(eq, items, items[period:]))
    needle = b"\x01" * (period * (repeats - 1))
    found: list[int] = []
    i = same.find(needle)
    while i >= 0 and len(found) < 20:
        found.append(i)
        i = same.find(needle, i + 1)
    return found


def _word_run(text: str) -> tuple[int, int] | None:
    """First run of 1-4 whitespace-separated words repeated too often (`0, 1, 0, 1, 0, 1, ...`)."""
    words = text[:_SPAN].split()
    first: tuple[int, int] | None = None  # (word index, words in the run)
    for period in (1, 2, 3, 4):
        repeats = 10 if period == 1 else 5
        for i in _runs(words, period, repeats):
            if not set("".join(words[i : i + period])) <= _BANNER:
                if first is None or i < first[0]:
                    first = (i, period * repeats)
                break
    if first is None:
        return None
    spans = [m.span() for _, m in zip(range(first[0] + first[1]), _WORD.finditer(text), strict=False)]
    return spans[first[0]][0], spans[-1][1]


def _in_word_run(text: str) -> tuple[int, int] | None:
    """A loop inside one long word: `))))))))))))))))))))`, `abababababab`."""
    for word in text[:_SPAN].split():
        if len(word) < 10:
            continue
        loop = _IN_WORD.search(word)
        while loop is not None:
            unit = loop.group(1)
            count = (loop.end() - loop.start()) // len(unit)
            need = 20 if len(unit) == 1 else 8 if len(unit) <= 3 else 5
            if count >= need and not set(unit) <= _BANNER:
                at = text.find(word)
                return at + loop.start(), at + loop.end()
            loop = _IN_WORD.search(word, loop.start() + 1)
    return None


def _line_run(lines: list[str]) -> int | None:
    """Index of the line where a 1-3 line group repeated 3+ times in a row starts its second round.

    The first round stays: it is the model's prediction for the next lines, as good as any output
    that does not loop; only the rounds after it are the loop (greedy decoding repeats itself)."""
    texty = [i for i, line in enumerate(lines[:_MAX_LINES]) if line.strip()]
    keys = [lines[i].rstrip() for i in texty]
    found: int | None = None
    for period in (1, 2, 3):
        for k in _runs(keys, period, 3):
            if _ALNUM.search("".join(keys[k : k + period])):
                second = texty[k + period]
                found = second if found is None else min(found, second)
                break
    stair = _staircase(lines, texty)
    return stair if found is None or (stair is not None and stair < found) else found


def _staircase(lines: list[str], texty: list[int]) -> int | None:
    """Index of the second line of one line repeated 3+ times, each deeper than the one before:
    `if (x) {` / `    if (x) {` / `        if (x) {` is a loop however it is indented (closers and
    `end`s that repeat while they dedent are not)."""
    for a, b, c in zip(texty, texty[1:], texty[2:], strict=False):
        code = lines[a].strip()
        if code == lines[b].strip() == lines[c].strip() and _ALNUM.search(code):
            if len(leading_ws(lines[a])) < len(leading_ws(lines[b])) < len(leading_ws(lines[c])):
                return b
    return None


def _step(ctx: Context, text: str) -> str:
    body = squash(text)
    if not body or _GARBAGE.search(text):
        return ""
    if not _ALNUM.search(body):
        if len(body) > 6 or (len(body) >= 4 and len(set(body)) == 1 and body[0] not in ")]}"):
            return ""
    lines = text.split("\n")
    second_round = _line_run(lines)
    if second_round is not None:
        return "\n".join(lines[:second_round]).rstrip()
    run = _word_run(text) or _in_word_run(text)
    if run is not None:
        # The text before the loop is the model's prediction as good as any; nothing but the loop
        # (not one word before it) is not worth showing. How long the loop ran does not matter: that
        # is the token budget, not the model's answer.
        before = text[: run[0]]
        return before if _ALNUM.search(before) else ""
    return text


def drop_degenerate(ctx: Context, text: str) -> str:
    return until_stable(_step, ctx, text)
