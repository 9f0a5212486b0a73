"""The immutable snapshot every filter reads: the text around the cursor and facts derived from it once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from codepal.complete.postprocess.closers import start_frames, walk
from codepal.complete.postprocess.lexer import BLOCK, CODE, Scan, Style, scan, scan_stack, style_for
from codepal.complete.postprocess.text import (
    CLOSING_CHARS,
    PAIRS,
    indent_width,
    is_blank,
    leading_ws,
    normalize_newlines,
)
from codepal.languages import normalize_language

# Filters look at most this far from the cursor, which bounds their cost on huge documents (scanning
# the prefix window is the largest fixed cost of the pipeline).
WINDOW = 2000


def wants_single_line(prefix: str, suffix: str) -> bool:
    """True when the cursor is mid-line: the rest of its line holds more than closers and spacing."""
    end = len(suffix)
    for brk in ("\n", "\r"):
        i = suffix.find(brk, 0, end)
        end = i if i >= 0 else end
    return any(ch not in CLOSING_CHARS for ch in suffix[:end])


@dataclass(frozen=True)
class Context:
    """`prefix`/`suffix` hold at most WINDOW characters next to the cursor, with `\\n` line breaks.

    `start_state` is the lexer state at the start of `prefix` (not code when the window starts inside a
    multi-line string or comment)."""

    prefix: str
    suffix: str
    language: str
    tab_size: int = 4
    insert_spaces: bool = True
    prefix_complete: bool = True  # False when `prefix` is a window of a longer text
    start_state: str = CODE

    @cached_property
    def style(self) -> Style:
        return style_for(self.language)

    @cached_property
    def line_prefix(self) -> str:
        return self.prefix[self.prefix.rfind("\n") + 1 :]

    @cached_property
    def line_suffix(self) -> str:
        end = self.suffix.find("\n")
        return self.suffix if end < 0 else self.suffix[:end]

    @cached_property
    def at_line_start(self) -> bool:
        """Only whitespace before the cursor on its line."""
        return is_blank(self.line_prefix)

    @cached_property
    def line_indent(self) -> str:
        return leading_ws(self.line_prefix)

    @cached_property
    def indent(self) -> int:
        """Column of the cursor line's indentation (the cursor's column when at line start)."""
        return indent_width(self.line_indent, self.tab_size)

    @cached_property
    def single_line(self) -> bool:
        return wants_single_line(self.prefix, self.suffix)

    @cached_property
    def prev_lines(self) -> list[str]:
        """Up to 5 non-blank lines before the cursor line, nearest last."""
        lines = self.prefix[: len(self.prefix) - len(self.line_prefix)].split("\n")
        return [line for line in lines[-12:] if not is_blank(line)][-5:]

    @cached_property
    def _line_start(self) -> tuple[str, list[str]]:
        """Lexer state and open brackets where the cursor line starts (the lines above, cheaply)."""
        line_start = len(self.prefix) - len(self.line_prefix)
        return scan_stack(self.prefix[:line_start], self.style, self.start_state)

    @cached_property
    def cursor_frames(self) -> list[str]:
        """What is open at the cursor as `closers` frames (strings, interpolations, comments too)."""
        state, stack = self._line_start
        return walk(self.line_prefix, self.style, start_frames(stack, state)).frames

    @cached_property
    def _prefix_scan(self) -> tuple[str, list[str], int]:
        # The lines above cheaply (state and open brackets only), the cursor line in full for positions.
        state, stack = self._line_start
        stack = list(stack)
        line = scan(self.line_prefix, self.style, state)
        for _, closer in line.unmatched:
            if stack and closer in PAIRS and stack[-1] == PAIRS[closer]:
                stack.pop()
        stack += [ch for _, ch in line.stack]
        return line.state, stack, len(line.stack)

    def scan(self, text: str) -> Scan:
        """`scan` of a completion from the cursor's state, memoised: several filters scan the same text."""
        memo = self._scans
        found = memo.get(text)
        if found is None:
            if len(memo) > 8:
                memo.clear()
            found = memo[text] = scan(text, self.style, self.cursor_state)
        return found

    @cached_property
    def _scans(self) -> dict[str, Scan]:
        return {}

    @cached_property
    def cursor_state(self) -> str:
        """Lexer state at the cursor: code, a block comment, or the delimiter of the open string."""
        return self._prefix_scan[0]

    @cached_property
    def open_brackets(self) -> list[str]:
        """Openers still open at the cursor (innermost last), plus the open string's delimiter if any."""
        stack = list(self._prefix_scan[1])
        if self.cursor_state not in (CODE, BLOCK):
            stack.append(self.cursor_state)
        return stack

    @cached_property
    def line_open_count(self) -> int:
        """Brackets opened on the cursor line before the cursor and still open."""
        return self._prefix_scan[2]

    @cached_property
    def suffix_closers(self) -> list[str]:
        """What the rest of the cursor line closes of the prefix's brackets (and open string)."""
        return [ch for _, ch in scan(self.line_suffix, self.style, self.cursor_state).unmatched]

    @cached_property
    def suffix_lines(self) -> list[str]:
        """The first non-blank lines of the suffix (the cursor line's rest first), stripped."""
        return [line.strip() for line in self.suffix.split("\n", 40)[:40] if not is_blank(line)]

    @cached_property
    def in_comment(self) -> bool:
        """The cursor is in a comment or string, where prose is legitimate."""
        return self.cursor_state != CODE or comment_start(self.line_prefix, self.style) >= 0

    def compute_facts(self) -> None:
        """Compute now every fact about the cursor that the filters read: none depends on the answer,
        so a caller computes them while the model works and the filters only read them. A fact that
        fails is left to fail again where a filter reads it (`postprocess` drops the suggestion)."""
        for name in CURSOR_FACTS:
            try:
                getattr(self, name)
            except Exception:
                continue


# The answer-independent facts the filters read (each a cached property above).
CURSOR_FACTS = ("style", "line_prefix", "line_suffix", "at_line_start", "line_indent", "indent", "single_line",
                "prev_lines", "cursor_frames", "cursor_state", "open_brackets", "line_open_count", "suffix_lines",
                "in_comment")


def comment_start(line: str, style: Style) -> int:
    """Index of a line comment in `line` that is not inside a string, or -1."""
    marker = style.line_comment
    i = line.find(marker)
    while i >= 0:
        if scan(line[:i], style).state == CODE:
            return i
        i = line.find(marker, i + 1)
    return -1


def make_context(
    prefix: str, suffix: str, language: str, *, tab_size: int = 4, insert_spaces: bool = True
) -> Context:
    """Cut the windows, normalise line breaks and guess the lexer state where the window starts."""
    lang = normalize_language(language)
    cut = 0
    if len(prefix) > WINDOW:
        cut = prefix.find("\n", len(prefix) - WINDOW)
        cut = len(prefix) - WINDOW if cut < 0 else cut + 1
    return Context(
        prefix=normalize_newlines(prefix[cut:]),
        suffix=normalize_newlines(suffix[:WINDOW]),
        language=lang,
        tab_size=min(max(int(tab_size), 1), 16),
        insert_spaces=bool(insert_spaces),
        prefix_complete=cut == 0,
        start_state=_guess_state(prefix, cut, style_for(lang)) if cut else CODE,
    )


def _guess_state(text: str, end: int, style: Style) -> str:
    """Is `text[:end]` inside a multi-line string or comment? A guess from delimiter counts over the
    20k characters before `end` (a scan would cost far more; strings that long are rare)."""
    start = max(0, end - 20_000)
    for delim in sorted(style.multiline, key=len, reverse=True):
        if text.count(delim, start, end) % 2:
            return delim
    if style.block_comment and text.rfind("/*", start, end) > text.rfind("*/", start, end):
        return BLOCK
    return CODE
