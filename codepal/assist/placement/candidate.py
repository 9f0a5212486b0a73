"""Candidates: every piece of an answer that may be the fix, in answer order. Placement and verification
decide among them by structure; nothing here picks one by position.

A structured (JSON) answer makes exactly one Candidate: the target's corrected code plus its imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from codepal.assist.extract import tag_fits, unfenced_code
from codepal.assist.placement.diff_answer import looks_like_diff
from codepal.assist.verify import syntax_errors
from codepal.text.fences import code_blocks
from codepal.text.reasoning import strip_reasoning

Origin = Literal["block", "unfenced", "diff", "structured"]


@dataclass(frozen=True)
class Candidate:
    """Code that may replace the target. `imports` are statements to merge into the import block (beside
    any the code itself starts with); `origin` says where it came from."""

    code: str
    language: str = ""
    imports: tuple[str, ...] = ()
    origin: Origin = "block"
    complete: bool = True  # False: a fence that never closed (the answer may have been cut inside it)


def candidates_of(answer: str, original: str, language: str, cut: bool = False) -> list[Candidate]:
    """The answer's fenced blocks in the document's language (also untagged or wrongly tagged ones that
    parse as it) and its diffs; without fences, the code-only run of lines, if any. `cut`: the answer ran
    out of tokens, so a block it ends inside is incomplete and left out (and so is unfenced code)."""
    text = strip_reasoning(answer)
    out: list[Candidate] = []
    for block in code_blocks(text):
        code = block.code.replace("\r\n", "\n")
        if not code.strip():
            continue
        if looks_like_diff(code, block.tag):
            out.append(Candidate(code, language, origin="diff", complete=block.closed))
        elif tag_fits(block.tag, language) or syntax_errors(code, language) == 0:
            out.append(Candidate(code, language, complete=block.closed))
    if cut:
        out = [c for c in out if c.complete]
    if out or code_blocks(text) or cut:
        return out
    unfenced = unfenced_code(text.replace("\r\n", "\n"), original, language)
    return [Candidate(unfenced, language, origin="unfenced")] if unfenced is not None else []
