"""What the rest of the cursor line closes, read the way a compiler would read it.

`lexer.scan` treats a string as one token, which is right for counting brackets in code but wrong at
the cursor: inside `raise KeyError(f"█)` the `)` after the cursor is code once the completion closes
the string, and inside `f"{█}"` or `` `${█}` `` the cursor is in code nested in a string. This walker
keeps a stack of frames — brackets, strings (interpolating or not), interpolations, comments — and
walks short texts (the cursor line, a completion, the rest of the line) one character at a time.

Frames: `(`, `[`, `{` brackets; a string's delimiter, prefixed with `f` when it interpolates (Python
f-strings, JavaScript template literals); `${` an interpolation inside such a string (closed by `}`);
the line-comment marker; `/*` a block comment. Inside comments only brackets are tracked (prose has
apostrophes), and a closer with no opener in the comment is prose, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from codepal.complete.postprocess.lexer import BLOCK, CODE, Style

BRACKETS = {"(": ")", "[": "]", "{": "}"}
CLOSING = {v: k for k, v in BRACKETS.items()}
INTERP = "${"  # an interpolation frame, whichever syntax opened it
_PY_PREFIX = re.compile(r"(?<![\w])([rRbBuUfF]{1,2})$")
_CHAR_LITERAL = re.compile(r"'(?:\\.[^'\n]{0,9}|[^'\\\n])'")


@dataclass
class Walk:
    """What one walk saw. `popped`: frames that were open at the start and got closed, with the
    position of what closed them; `excess`: closers that closed nothing (or the wrong bracket);
    `broken`: a one-line string cut by a line break or left open at the end."""

    frames: list[str]
    popped: list[tuple[int, str]] = field(default_factory=list)
    excess: list[tuple[int, str]] = field(default_factory=list)
    broken: bool = False

    @property
    def closes_outside(self) -> list[int]:
        """Positions where the text closes (or tries to close) something opened before it."""
        return sorted({pos for pos, _ in self.popped + self.excess})


def start_frames(stack: list[str], state: str) -> list[str]:
    """Frames from `lexer`'s view of the text before a line: open brackets and the state."""
    frames = list(stack)
    if state == BLOCK:
        frames.append(BLOCK)
    elif state != CODE:
        frames.append(state)
    return frames


def _delimiter(frame: str) -> str:
    return frame[1:] if frame.startswith("f") and len(frame) > 1 else frame


def is_string(frame: str, style: Style) -> bool:
    return _delimiter(frame) in style.quotes


def in_prose(frames: list[str], style: Style) -> int:
    """Index of the comment frame the text is in (brackets may sit above it), or -1."""
    for index in range(len(frames) - 1, -1, -1):
        frame = frames[index]
        if frame in BRACKETS:
            continue
        return index if frame in (style.line_comment, BLOCK) else -1
    return -1


@cache
def _plain_runs(style: Style) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Runs of characters that only move `walk` on, in code, in a string and in a comment: skipped in
    one step instead of one character at a time (the walk is most of post-processing's time)."""
    brackets = "([{)]}"
    quotes = "".join({quote[0] for quote in style.quotes})
    code = brackets + quotes + style.line_comment[0] + ("/" if style.block_comment else "") + (
        "'" if style.char_literal_quote else "")
    string = "\\\n{$" + quotes
    comment = brackets + "\n*"

    def run_of_others(special: str) -> re.Pattern[str]:
        return re.compile("[^" + "".join(sorted({re.escape(ch) for ch in special})) + "]+")

    return run_of_others(code), run_of_others(string), run_of_others(comment)


def walk(text: str, style: Style, frames: list[str]) -> Walk:
    """Walk `text` from `frames` (not modified)."""
    code_run, string_run, comment_run = _plain_runs(style)
    out = Walk(list(frames))
    stack = out.frames
    floor = len(stack)  # frames below this index were open before the text

    def pop(pos: int) -> None:
        nonlocal floor
        frame = stack.pop()
        if len(stack) < floor:
            floor = len(stack)
            out.popped.append((pos, frame))

    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        top = stack[-1] if stack else ""
        if top and is_string(top, style):
            plain = string_run.match(text, i)
            if plain is not None:
                i = plain.end()
                continue
            delim = _delimiter(top)
            if ch == "\\" and delim not in style.raw:
                i += 2
                continue
            if text.startswith(delim, i):
                pop(i)
                i += len(delim)
                continue
            if ch == "\n" and delim not in style.multiline:
                out.broken = True
                pop(i)
                i += 1
                continue
            if top.startswith("f"):
                if text.startswith("{{", i) and not style.dollar_interpolation:
                    i += 2
                    continue
                opener = "${" if style.dollar_interpolation else "{"
                if text.startswith(opener, i):
                    stack.append(INTERP)
                    i += len(opener)
                    continue
            i += 1
            continue
        comment = in_prose(stack, style)
        if comment >= 0:
            plain = comment_run.match(text, i)
            if plain is not None:
                i = plain.end()
                continue
            kind = stack[comment]
            end = "\n" if kind == style.line_comment else "*/"
            if text.startswith(end, i):
                while len(stack) > comment:
                    pop(i)
                i += len(end)
            elif ch in BRACKETS:
                stack.append(ch)
                i += 1
            elif ch in CLOSING:
                if stack[-1] == CLOSING[ch]:
                    pop(i)
                i += 1  # prose may close what it never opened
            else:
                i += 1
            continue
        # code (at top level, inside brackets or inside an interpolation)
        plain = code_run.match(text, i)
        if plain is not None:
            i = plain.end()
            continue
        if text.startswith(style.line_comment, i):
            stack.append(style.line_comment)
            i += len(style.line_comment)
            continue
        if style.block_comment and text.startswith("/*", i):
            stack.append(BLOCK)
            i += 2
            continue
        if ch == "'" and style.char_literal_quote:
            literal = _CHAR_LITERAL.match(text, i)
            i = literal.end() if literal else i + 1  # a char literal, else a lifetime
            continue
        quote = next((q for q in style.quotes if text.startswith(q, i)), None)
        if quote is not None:
            stack.append(("f" if _interpolates(text, i, quote, style) else "") + quote)
            i += len(quote)
            continue
        if ch in BRACKETS:
            stack.append(ch)
        elif ch in CLOSING:
            if stack and (stack[-1] == CLOSING[ch] or (ch == "}" and stack[-1] == INTERP)):
                pop(i)
            else:
                out.excess.append((i, ch))
        i += 1
    if stack and is_string(stack[-1], style) and _delimiter(stack[-1]) not in style.multiline:
        out.broken = True
    return out


def _interpolates(text: str, at: int, quote: str, style: Style) -> bool:
    if style.dollar_interpolation:
        return quote in style.dollar_interpolation
    if not style.prefixed_fstrings:
        return False
    prefix = _PY_PREFIX.search(text, 0, at)
    return prefix is not None and "f" in prefix.group(1).lower()

