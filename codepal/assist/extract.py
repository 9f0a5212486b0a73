"""Read a chat answer: the code-only run of lines of an answer without fences, and the note after the
code. Reasoning and special tokens are stripped by `codepal.text.reasoning`, fenced blocks found by
`codepal.text.fences`. Which block is the fix is placement's call (by structure).
"""

from __future__ import annotations

import difflib

from codepal.assist.verify import syntax_errors
from codepal.languages import family_of
from codepal.text.fences import after_blocks, is_sentence
from codepal.text.reasoning import strip_reasoning

SIMILAR = 0.5  # a block this similar to the original is a version of it, not an example


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
        if is_sentence(line):
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
    rest = after_blocks(strip_reasoning(answer).strip())
    note = next((line.strip() for line in rest.split("\n") if line.strip()), "")
    return note if len(note) <= limit else note[:limit - 1].rstrip() + "…"
