"""Every candidate placed and verified; the one that rewrites the most of the target wins (a full function
over a diff over a "key change" snippet), the earliest among equals. No candidate wins by position alone:
a quoted original is identical, an example places nowhere, a fix outside the target fails the checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from codepal.assist.diff import keep_unchanged_lines
from codepal.assist.placement.candidate import Candidate
from codepal.assist.placement.definitions import targets
from codepal.assist.placement.place import Placed, place
from codepal.assist.placement.structure import structure
from codepal.assist.region import Region
from codepal.assist.verification import verify_fix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    text: str | None  # the verified new document, or None
    reason: str  # why none was found
    how: str = ""  # the winning placement's kind


def choose(region: Region, language: str, candidates: list[Candidate], problem: str = "",
           context: str = "", failing: frozenset[int] = frozenset()) -> Choice:
    """`failing`: the document lines the error points at (see `verify_fix`)."""
    if not candidates:
        return Choice(None, "the answer contained no code block with the corrected code")
    start, end = target_range(region, language)
    found: list[tuple[int, int, Placed]] = []
    reasons: list[tuple[int, int, str]] = []
    for index, candidate in enumerate(candidates):
        try:
            placed, reason = place(region, language, candidate, context)
            if placed is None:
                reasons.append((1, -index, reason))
                continue
            text = keep_unchanged_lines(region.document, placed.text)
            verdict = verify_fix(region.document, text, language, start, end, region.first_line, problem,
                                 context, failing)
        except Exception:  # the answer is untrusted input: a shape nobody foresaw is no fix, not a crash
            log.exception("placing answer candidate %d failed", index)
            reasons.append((1, -index, "the answer's code could not be placed"))
            continue
        if verdict.ok:
            found.append((placed.rank, -index, Placed(text, placed.rank, placed.how)))
        else:
            reasons.append((0 if "identical" in verdict.reason else 2, -index, verdict.reason))
    if found:
        best = max(found, key=lambda f: (f[0], f[1]))[2]
        return Choice(best.text, "", best.how)
    return Choice(None, max(reasons)[2])


def target_range(region: Region, language: str) -> tuple[int, int]:
    """The region widened to the definitions it is about (a selection inside a function: the function)."""
    doc = structure(region.document, language)
    if doc is None:
        return region.start, region.end
    scope = targets(doc, region.start, region.end)
    start = min([region.start, *(d.start for _, d in scope)])
    end = max([region.end, *(d.end for _, d in scope)])
    return start, end
