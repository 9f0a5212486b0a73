"""Read a chat answer: strip leftover thinking and special tokens, split out fenced blocks (or a code-only
run of lines), and the note after the code. Which block is the fix is placement's call (by structure).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from codepal.assist.verify import syntax_errors
from codepal.languages import family_of

_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n`]*$")
_SAME_LINE_CLOSE = re.compile(r"(.*?)(`{3,}|~{3,})[ \t]*$")
_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_SPECIAL = re.compile(r"<｜[^｜\n]{1,40}｜>|<\|[A-Za-z0-9_.-]{1,40}\|>")
_SENTENCE = re.compile(r"[A-Z][\w'’,-]*(?: +[^ \n]+){2,}[.:!?]")
SIMILAR = 0.5  # a block this similar to the original is a version of it, not an example

@dataclass(frozen=True)
class CodeBlock:
    code: str
    tag: str  # the fence's language tag, lower-cased; "" when none
    closed: bool


def strip_reasoning(answer: str) -> str:
    """Drop `<think>` residue and special tokens from an answer."""
    text = _THINK_BLOCK.sub("", answer)
    if "</think>" in text:  # thinking whose opening tag was in the prompt
        text = text[text.rindex("</think>") + len("</think>"):]
    if "<think>" in text:  # thinking that never finished is not an answer
        text = text[:text.index("<think>")]
    return _SPECIAL.sub("", text)


def code_blocks(answer: str) -> list[CodeBlock]:
    """Fenced blocks in order. An unclosed last fence runs to the end of the answer."""
    lines = answer.split("\n")
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        opener = _OPEN.match(lines[i])
        if not opener:
            i += 1
            continue
        mark, tag = opener.group(1), opener.group(2).lower()
        body: list[str] = []
        closed = False
        i += 1
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped and set(stripped) == {mark[0]} and len(stripped) >= len(mark):
                closed = True
                break
            same_line = _SAME_LINE_CLOSE.match(line)  # `return x```: the fence glued to the code
            if same_line and same_line.group(2)[0] == mark[0] and len(same_line.group(2)) >= len(mark):
                body.append(same_line.group(1))
                closed = True
                break
            body.append(line)
            i += 1
        i += 1
        blocks.append(CodeBlock("\n".join(body).strip("\n"), tag, closed))
    return blocks


def tag_fits(tag: str, language: str) -> bool:
    """Whether a fence's tag names the document's language, or a dialect of it (`jsx` for JavaScript)."""
    return not tag or family_of(tag) == family_of(language)


def similarity(a: str, b: str) -> float:
    """Share of matching lines ignoring indentation; of matching characters for one- or two-liners."""
    lines_a, lines_b = _normalized(a).split("\n"), _normalized(b).split("\n")
    if max(len(lines_a), len(lines_b)) < 3:
        return difflib.SequenceMatcher(None, "\n".join(lines_a), "\n".join(lines_b), autojunk=False).ratio()
    return difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False).ratio()


def _normalized(code: str) -> str:
    return "\n".join(line.strip() for line in code.strip().split("\n"))


def unfenced_code(text: str, original: str, language: str) -> str | None:
    """An answer without fences: the longest run of lines between prose sentences, if it is clearly
    code: it parses without errors (or, for a language without a grammar, is mostly the original)."""
    runs: list[list[str]] = [[]]
    for line in text.strip("\n").split("\n"):
        if _SENTENCE.fullmatch(line.strip()):
            runs.append([])
        else:
            runs[-1].append(line)
    chunks = sorted(("\n".join(run).strip("\n") for run in runs), key=len, reverse=True)
    for chunk in chunks:
        if not chunk.strip():
            break
        errors = syntax_errors(chunk, language)
        if errors == 0 or (errors is None and similarity(chunk, original) >= SIMILAR):
            return chunk
    return None


def note_after_code(answer: str, limit: int = 200) -> str:
    """The model's one-sentence summary after its last code block, if it wrote one."""
    lines = strip_reasoning(answer).strip().split("\n")
    fences = [i for i, line in enumerate(lines) if line.strip().startswith(("```", "~~~"))]
    last_fence = fences[-1] if fences else -1
    if last_fence < 0:
        return ""
    note = next((line.strip() for line in lines[last_fence + 1:] if line.strip()), "")
    return note if len(note) <= limit else note[:limit - 1].rstrip() + "…"
