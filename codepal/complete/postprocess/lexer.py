"""A tiny bracket/string/comment scanner, enough to count nesting in completions.

Tree-sitter needs the whole statement to be useful and costs far more than the ~1 ms budget on a
large document; the filters only need to know which brackets are code, which quotes close a string
the cursor is in, and which lines start inside a multi-line string. One regex match per token, with
whole strings and comments as single tokens, keeps the Python-level work per token small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from codepal.complete.postprocess.text import PAIRS
from codepal.languages import lookup

CODE = ""  # lexer state: "" is code, "/*" a block comment, anything else the open string's delimiter
BLOCK = "/*"


@dataclass(frozen=True)
class Style:
    """How one language writes comments and strings, as the scanner reads them (from the registry)."""

    line_comment: str
    block_comment: bool  # `/* … */`
    quotes: tuple[str, ...]  # longest first
    multiline: frozenset[str]  # delimiters whose strings may span lines
    raw: frozenset[str] = frozenset()  # delimiters without escapes (Go's backquote)
    char_literal_quote: bool = False  # Rust: `'` is a lifetime unless a char literal follows
    indent_blocks: bool = False  # Python: blocks end by indentation, not braces
    prefixed_fstrings: bool = False  # Python: `f"…{x}…"` interpolates (read by `closers`)
    dollar_interpolation: frozenset[str] = frozenset()  # delimiters whose strings interpolate `${x}`


@cache
def style_for(language: str) -> Style:
    """The registry's comment and string syntax of `language`. Languages without string rules there
    (and unknown ones) get JavaScript's: C-like comments and the common quotes."""
    found = lookup(language)
    if found is None or found.strings is None or found.comments.line is None:
        found = lookup("javascript")
    assert found is not None and found.strings is not None and found.comments.line is not None
    strings = found.strings
    return Style(
        line_comment=found.comments.line,
        block_comment=found.comments.block == ("/*", "*/"),
        quotes=strings.quotes,
        multiline=strings.multiline,
        raw=strings.raw,
        char_literal_quote=strings.char_literal_quote,
        indent_blocks=found.indent_blocks,
        prefixed_fstrings=strings.prefixed_fstrings,
        dollar_interpolation=strings.dollar_interpolation,
    )


@cache
def _token_re(style: Style, plain: bool = False) -> re.Pattern[str]:
    """One token per match: a bracket, a line break, or a whole comment or string (possibly
    unterminated). A string's closing delimiter is the only capturing group, so `lastindex` tells
    whether it was closed. `plain`: no line breaks and no groups, so `findall` returns strings."""
    group = "(?:" if plain else "("
    parts = [re.escape(style.line_comment) + r"[^\n]*"]
    if style.block_comment:
        parts.append(r"/\*[\s\S]*?(?:\*/|\Z)")
    for q in style.quotes:
        e = re.escape(q)
        if q == "'" and style.char_literal_quote:
            parts.append(r"'(?:\\.[^'\n]{0,9}|[^'\\\n])'|'")  # a char literal, else a lifetime
        elif q in style.raw:
            parts.append(f"{e}[^{e}]*{group}{e})?")
        elif q in style.multiline:
            parts.append(f"{e}(?:\\\\[\\s\\S]|[\\s\\S])*?(?:{group}{e})|\\Z)")
        else:
            parts.append(f"{e}(?:\\\\.|[^{e}\\\\\\n])*{group}{e})?")
    parts.append(r"[()\[\]{}]" if plain else r"[()\[\]{}\n]")
    return re.compile("|".join(parts))


def without_line_comment(line: str, language: str) -> str:
    """`line` up to its line comment, if one starts outside the language's strings (`'#' + s` stays)."""
    style = style_for(language)
    if style.line_comment not in line:
        return line
    for m in _token_re(style, plain=True).finditer(line):
        if m.group().startswith(style.line_comment):
            return line[: m.start()]
    return line


@cache
def _string_re(delim: str, raw: bool) -> re.Pattern[str]:
    escape = "" if raw else r"\\[\s\S]|"
    return re.compile(escape + re.escape(delim) + r"|\n")


_BLOCK_END = re.compile(r"\*/|\n")


@dataclass
class Scan:
    """What `scan` saw. Depths are relative to the start: closers of earlier openers make them negative."""

    unmatched: list[tuple[int, str]] = field(default_factory=list)  # closers of text before the scan
    stack: list[tuple[int, str]] = field(default_factory=list)  # openers still open at the end
    state: str = CODE  # lexer state at the end
    line_states: list[str] = field(default_factory=list)  # state at the start of each line
    depths: list[int] = field(default_factory=list)  # depth at the start of each line, then at the end


def scan(text: str, style: Style, state: str = CODE) -> Scan:
    out = Scan(line_states=[state], depths=[0])
    stack, states, depths = out.stack, out.line_states, out.depths
    closed = 0  # unmatched bracket closers (the closing quote of the starting string is no bracket)
    pos = _leave_start_state(text, style, state, out) if state != CODE else 0
    if pos < 0:  # the text ends inside the starting string or comment
        out.state = state
        out.depths.append(0)
        return out
    state = CODE
    comment = style.line_comment
    for m in _token_re(style).finditer(text, pos):
        tok = m.group()
        first = tok[0]
        if first == "\n":
            states.append(CODE)
            depths.append(len(stack) - closed)
        elif first in "([{":
            stack.append((m.start(), first))
        elif first in ")]}":
            if stack and stack[-1][1] == PAIRS[first]:
                stack.pop()
            else:  # closes something before the scan, or a mismatch: either way not ours
                out.unmatched.append((m.start(), first))
                closed += 1
        elif tok.startswith(comment):
            pass
        else:  # a string or block comment; only these can span lines
            if tok.startswith("/*"):
                inner, ended = BLOCK, tok.endswith("*/") and len(tok) >= 4
            else:
                inner = next(q for q in style.quotes if tok.startswith(q))
                ended = m.lastindex is not None or (inner == "'" and style.char_literal_quote)
            for _ in range(tok.count("\n")):
                states.append(inner)
                depths.append(len(stack) - closed)
            if not ended and m.end() == len(text):
                state = inner  # the text ends inside it (a one-line string ends at a line break)
    out.state = state
    depths.append(len(stack) - closed)
    return out


def _leave_start_state(text: str, style: Style, state: str, out: Scan) -> int:
    """Skip to the end of the string or comment the scan starts in; -1 when it does not end.
    Records line breaks on the way, and the closing quote as an unmatched closer."""
    pos = 0
    while True:
        if state == BLOCK:
            m = _BLOCK_END.search(text, pos)
        else:
            m = _string_re(state, state in style.raw).search(text, pos)
        if m is None:
            return -1
        tok, pos = m.group(), m.end()
        if tok == "\n" or tok == "\\\n":
            if tok == "\n" and state != BLOCK and state not in style.multiline:
                out.line_states.append(CODE)  # an unterminated one-line string ends with its line
                out.depths.append(0)
                return pos
            out.line_states.append(state)
            out.depths.append(0)
        elif tok == "*/":
            return pos
        elif tok == state:
            out.unmatched.append((m.start(), tok))
            return pos


def scan_stack(text: str, style: Style, state: str = CODE) -> tuple[str, list[str]]:
    """The end state and the openers still open, only: the cheap path for a long prefix, with
    `findall` doing the tokenising in C (match objects cost more than the rest of the work)."""
    if state != CODE:
        pos = _leave_start_state(text, style, state, Scan(line_states=[], depths=[]))
        if pos < 0:
            return state, []
        text = text[pos:]
    tokens = _token_re(style, plain=True).findall(text)
    stack: list[str] = []
    for tok in tokens:
        first = tok[0]
        if first in "([{":
            stack.append(first)
        elif first in ")]}":
            if stack and stack[-1] == PAIRS[first]:
                stack.pop()
    end = CODE
    if tokens and len(tokens[-1]) > 0 and tokens[-1][0] not in "()[]{}" and text.endswith(tokens[-1]):
        # The last token is a string or comment reaching the end: the full scan knows if it closed.
        end = scan(tokens[-1], style).state
    return end, stack
