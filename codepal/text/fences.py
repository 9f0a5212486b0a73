"""Markdown code fences and the prose around them, in a model's answer: the one home of the fence, sentence
and chat-preamble patterns, for the fix's candidates and the completion's unwrapping alike.

Fences follow CommonMark where models do: three or more backticks or tildes, indented or not, an info string
whose first word is the language tag; a closing fence is a bare run of the same character at least as long.
Models also glue the closing fence to the last line of code (`return x````), which counts as a close.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_OPENING = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n`]*")
_GLUED_CLOSE = re.compile(r"(.*?)(`{3,}|~{3,})[ \t]*")
_BACKTICK_RUN = re.compile(r"`{3,}")
# A sentence: capitalised, at least three words, closing punctuation ("Here is the fix:", "I changed it.").
_SENTENCE = re.compile(r"[A-Z][\w'’,-]*(?: +[^ \n]+){2,}[.:!?]")
# A chat answer's opening line before the code ("Sure!", "Here is the completed function:").
_PREAMBLE = re.compile(
    r"(?:sure|certainly|of course|absolutely|okay|ok|alright|great)[!,.](?:\s.*)?"
    r"|here(?:'s|’s| is| are)\b.*(?::|\.)$"
    r"|(?:the |this )?(?:complete[d]?|finished|full|fixed|final|updated|corrected)\s+"
    r"(?:code|function|implementation|version|snippet|solution)\b.*[:.]$"
    r"|(?:to complete|i'll|i will|let me|let's|you can)\b.*:$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fence:
    """An opening fence: its run of backticks or tildes, and its language tag, lower-cased ("" when none)."""

    mark: str
    tag: str

    def closed_by(self, line: str) -> bool:
        """A bare fence of the same character, at least as long."""
        stripped = line.strip()
        return bool(stripped) and set(stripped) == {self.mark[0]} and len(stripped) >= len(self.mark)

    def code_before_close(self, line: str) -> str | None:
        """The code on a line that ends with a closing fence glued to it; None when the line does not."""
        glued = _GLUED_CLOSE.fullmatch(line)
        if glued and glued.group(2)[0] == self.mark[0] and len(glued.group(2)) >= len(self.mark):
            return glued.group(1)
        return None


@dataclass(frozen=True)
class CodeBlock:
    code: str
    tag: str  # the fence's language tag, lower-cased; "" when none
    closed: bool


def opening_fence(line: str) -> Fence | None:
    """The fence a line opens (any fence line, bare ones included, can open one)."""
    found = _OPENING.fullmatch(line)
    return Fence(found.group(1), found.group(2).lower()) if found else None


def is_sentence(line: str) -> bool:
    return _SENTENCE.fullmatch(line.strip()) is not None


def is_preamble(line: str) -> bool:
    return _PREAMBLE.fullmatch(line.strip()) is not None


def code_blocks(text: str) -> list[CodeBlock]:
    """Fenced blocks in order. An unclosed last fence runs to the end of the text."""
    return [block for block, _, _ in _blocks(text.split("\n"))]


def whole_block(text: str) -> CodeBlock | None:
    """The block when all of `text` (but blank edges) is one fenced block: its first line opens the fence
    and its last line closes it; what lies between is the code, fence-like lines included."""
    lines = text.strip().split("\n")
    fence = opening_fence(lines[0]) if len(lines) >= 2 else None
    if fence is None or not fence.closed_by(lines[-1]):
        return None
    return CodeBlock("\n".join(lines[1:-1]).strip("\n"), fence.tag, True)


def after_blocks(text: str) -> str:
    """The text after the last fenced block's closing fence; "" when there is no block or it never closed."""
    lines = text.split("\n")
    ends = [end for _, _, end in _blocks(lines)]
    return "\n".join(lines[ends[-1]:]) if ends else ""


def outside_blocks(text: str) -> str:
    """The text with every fenced block (fences included) taken out: the prose of an answer."""
    lines = text.split("\n")
    kept: list[str] = []
    at = 0
    for _, start, end in _blocks(lines):
        kept += lines[at:start]
        at = end
    return "\n".join(kept + lines[at:])


def fenced(code: str, tag: str = "") -> str:
    """`code` as a markdown block, its fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(code)), default=2)
    mark = "`" * max(3, longest + 1)
    return f"{mark}{tag}\n{code}\n{mark}"


def _blocks(lines: list[str]) -> Iterator[tuple[CodeBlock, int, int]]:
    """Each block with the index of its opening fence's line and of the first line after it."""
    i = 0
    while i < len(lines):
        fence = opening_fence(lines[i])
        if fence is None:
            i += 1
            continue
        start = i
        body: list[str] = []
        closed = False
        i += 1
        while i < len(lines):
            if fence.closed_by(lines[i]):
                closed = True
                break
            glued = fence.code_before_close(lines[i])
            if glued is not None:
                body.append(glued)
                closed = True
                break
            body.append(lines[i])
            i += 1
        i += 1
        yield CodeBlock("\n".join(body).strip("\n"), fence.tag, closed), start, min(i, len(lines))
