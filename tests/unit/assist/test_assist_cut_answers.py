"""Every corpus answer cut short at many points (a stream that broke off, a budget that ran out): the
core either refuses or gives a document the independent damage check passes. Never a damaged file."""

from __future__ import annotations

import pytest

from codepal.assist.fix import fixed_document
from codepal.assist.region import region_of
from codepal.cli.assist_cmd import line_range
from codepal.types import CodeSpan, Problem
from tests.support.fix_corpus import load_cases

CASES = load_cases()
CUTS = 12


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_cut_answer_never_damages(case: object) -> None:
    from tests.support.fix_corpus import Case, damage

    assert isinstance(case, Case)
    start, end = line_range(case.source, case.lines)
    region = region_of(CodeSpan(case.source, start, end, case.language))
    answer = case.answers[0]
    placed = 0
    for cut in sorted({len(answer) * i // CUTS for i in range(1, CUTS + 1)}):
        text, reason = fixed_document(region, answer[:cut], case.language, Problem(case.error))
        if text is None:
            assert reason
            continue
        placed += 1
        assert damage(case, text) == [], (cut, answer[:cut])
    if case.expected is not None:
        assert placed >= 1  # at least the whole answer places
