"""Bug injection and checks: each kind edits what it says, the check catches it, and damage is told
apart from a wrong fix."""

from __future__ import annotations

import asyncio

import pytest

from codepal.bench.quality.bugs import BUG_KINDS, candidate_bugs, pick_bugs
from codepal.bench.quality.checks import run_check
from codepal.bench.quality.fixes import damaged, first_block, function_span, summarise
from codepal.bench.quality.programs import PROGRAMS, Program

SEED = Program("total", "total", '''\
import math


def total(values, scale):
    """Sum of the values times `scale`, rounded down."""
    result = 0
    for index in range(len(values)):
        result = result + values[index] * scale
    return math.floor(result)
''', (("total([1, 2], 3)", "9"), ("total([0.5], 1)", "0")))


def test_each_kind_makes_the_edit_it_names() -> None:
    by_kind = {kind: candidate_bugs(SEED, kind) for kind in BUG_KINDS}
    renamed = {b.source.split("return ")[1].strip() for b in by_kind["renamed_variable"]}
    assert "math.floor(resut)" in renamed
    assert all("import math" not in b.source for b in by_kind["missing_import"])
    assert any("range(len(values) - 1)" in b.source for b in by_kind["off_by_one"])
    assert any("result - values[index]" in b.source for b in by_kind["wrong_operator"])
    assert any("values[index] + scale" in b.source for b in by_kind["wrong_operator"])
    assert [b.source.split("return ")[1].strip() for b in by_kind["wrong_attribute"]] == ["math.round_down(result)"]
    for bugs in by_kind.values():
        for bug in bugs:
            assert bug.source != SEED.source
            compile(bug.source, "target.py", "exec")  # a bug, not a syntax error


def test_checks_pass_on_every_seed_and_catch_most_bugs() -> None:
    async def go() -> tuple[list[bool], list[bool]]:
        seeds = await asyncio.gather(*(run_check(p.source, p.check()) for p in PROGRAMS))
        bugs = pick_bugs(PROGRAMS, 10, seed=7)
        caught = await asyncio.gather(*(run_check(b.source, b.program.check()) for b in bugs))
        return [r.passed for r in seeds], [not r.passed for r in caught]

    seeds, caught = asyncio.run(go())
    assert all(seeds)
    assert sum(caught) >= 8


def test_a_failed_check_becomes_the_problem_a_user_would_report() -> None:
    bug = next(b for b in candidate_bugs(SEED, "renamed_variable") if "resut)" in b.source)
    result = asyncio.run(run_check(bug.source, SEED.check()))
    assert not result.passed
    assert result.error.startswith("NameError: name 'resut' is not defined")
    problem = result.problem()
    assert problem.error_name == "NameError"
    assert problem.line == 8  # 0-based: the `return` line of target.py
    assert "target.py" in problem.traceback


def test_a_hanging_check_times_out() -> None:
    result = asyncio.run(run_check("def total(values, scale):\n    while True:\n        pass\n", SEED.check(),
                                   timeout=1.0))
    assert not result.passed and result.error.startswith("TimeoutError")


def test_kinds_take_turns_and_the_seed_fixes_the_choice() -> None:
    bugs = pick_bugs(PROGRAMS, 10, seed=3)
    assert [b.kind for b in bugs] == list(BUG_KINDS) * 2
    assert [b.id for b in bugs] == [b.id for b in pick_bugs(PROGRAMS, 10, seed=3)]


@pytest.mark.parametrize(("after", "is_damaged"), [
    (SEED.source.replace("result + values", "result - values"), False),  # a wrong fix, not damage
    (SEED.source.replace("import math\n", "import math\nimport os\n"), False),  # imports may change
    (SEED.source.replace("return math.floor(result)", "return math.floor(result"), True),
    (SEED.source + "\nprint(total([1], 1))\n", True),  # an example left at module level
    (SEED.source.replace("def total", "def sum_total"), True),  # the function is gone
])
def test_damage_is_a_broken_file_or_a_change_outside_the_function(after: str, is_damaged: bool) -> None:
    assert damaged(SEED.source, after, "total") is is_damaged


def test_function_span_and_first_block() -> None:
    start, end = function_span(SEED.source, "total")
    assert SEED.source[start:end].startswith("def total(") and SEED.source[start:end].endswith("math.floor(result)")
    assert first_block("Here:\n```python\nx = 1\n```\nand\n```\ny\n```") == "x = 1"
    assert first_block("x = 2\n") == "x = 2"
    assert first_block("```python\nx = 3\n") == "x = 3"  # an unclosed fence runs to the end


def _side(outcome: str, refusal: str = "") -> dict[str, object]:
    return {"outcome": outcome, "seconds": 1.0, "error": "", "refusal": refusal}


def test_the_summary_counts_refusals_by_reason() -> None:
    refused = "no safe fix found: the fix removes code outside the code to fix"
    records = [
        {"kind": "off_by_one", "raw": _side("wrong_fix"), "codepal": _side("unchanged", refused)},
        {"kind": "off_by_one", "raw": _side("fixed"), "codepal": _side("unchanged", refused)},
        {"kind": "missing_import", "raw": _side("damaged"), "codepal": _side("fixed")},
    ]
    summary = summarise(records)
    assert summary["codepal"]["refusals"] == {refused: 2}
    assert summary["raw"]["refusals"] == {}
    assert summary["codepal"]["by_kind"] == {"missing_import": 1, "off_by_one": 0}
