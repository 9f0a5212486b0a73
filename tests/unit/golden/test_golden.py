"""Golden cases: raw model output in, expected insertion out (format: README.md next to this file)."""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

import pytest

from codepal.complete.postprocess import cursor_context, postprocess
from tests.support.golden import Case, load_dir

HERE = Path(__file__).parent
CASES = load_dir(HERE)


def _visible(text: str) -> list[str]:
    """Lines with tabs, trailing spaces and CRs made visible, for the diff."""
    shown = text.replace("\t", "⇥").replace("\r", "␍").split("\n")
    return [line[: len(line.rstrip(" "))] + "·" * (len(line) - len(line.rstrip(" "))) for line in shown]


@pytest.mark.parametrize("facts_first", [False, True], ids=["plain", "facts_first"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.language}::{c.name}" for c in CASES])
def test_golden(case: Case, facts_first: bool) -> None:
    """`facts_first`: the cursor's facts computed before the answer, as the completion service does while
    the model works; the answer must be the same byte for byte."""
    context = cursor_context(case.prefix, case.suffix, case.language, tab_size=case.tab_size,
                             insert_spaces=case.insert_spaces) if facts_first else None
    got = postprocess(
        case.prefix, case.suffix, case.output, case.language,
        tab_size=case.tab_size, insert_spaces=case.insert_spaces, context=context,
    )
    if got != case.expected:
        diff = "\n".join(
            difflib.unified_diff(_visible(case.expected), _visible(got), "expected", "got", lineterm="")
        )
        pytest.fail(f"{case.source} {case.name!r}\n{diff}\nexpected={case.expected!r}\ngot=     {got!r}")


def test_enough_cases_per_language() -> None:
    per_language = Counter(Path(c.source.split(":")[0]).stem for c in CASES)
    assert sum(per_language.values()) >= 110, per_language
    for language in ("python", "javascript", "typescript", "go", "rust", "java", "c", "cpp"):
        assert per_language[language] >= 6, (language, per_language)


def test_names_are_unique() -> None:
    keys = [(c.source.split(":")[0], c.name) for c in CASES]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
