"""The fix-answer corpus through the public path: `codepal fix FILE --lines A-B --error E --write` against
the scripted server, each case ending in its expected document or its refusal with the file untouched.

The figures (damaged files, fixable shapes applied exactly, refusals byte-identical) are printed by the
last test; run with `-s` to see them, or `python -m tests.unit.assist.test_assist_corpus`.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from codepal.cli.main import main
from tests.support.fake_openai import FakeOpenAI
from tests.support.fix_corpus import Case, damage, load_cases

CASES = load_cases()
SUFFIX = {"python": ".py", "javascript": ".js", "typescript": ".ts", "go": ".go", "rust": ".rs"}
MIN_EXACT = 0.9


@dataclass(frozen=True)
class Outcome:
    case: Case
    code: int
    result: bytes
    backup: bool
    stderr: str
    requests: int

    @property
    def text(self) -> str:
        return self.result.decode("utf-8")

    @property
    def exact(self) -> bool:
        return self.case.expected is not None and self.code == 0 and self.text == self.case.expected

    @property
    def untouched(self) -> bool:
        return self.code != 0 and self.result == self.case.source.encode() and not self.backup


def run_case(case: Case, fake: FakeOpenAI, folder: Path) -> Outcome:
    path = folder / (Path(case.source_name).stem + SUFFIX[case.language])
    path.write_bytes(case.source.encode())
    fake.script.clear()
    fake.push(*case.behaviours())
    before = len(fake.generation_requests())
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["fix", str(path), "--lines", case.lines, "--error", case.error, "--write",
                     "--url", fake.url])
    backup = Path(f"{path}.codepal.bak").exists()
    return Outcome(case, code, path.read_bytes(), backup, err.getvalue(),
                   len(fake.generation_requests()) - before)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    fake = FakeOpenAI().start()
    try:
        return {case.name: run_case(case, fake, tmp_path_factory.mktemp(case.name)) for case in CASES}
    finally:
        fake.stop()


def test_the_corpus_covers_five_languages_and_forty_answers() -> None:
    assert len(CASES) >= 40
    assert {c.language for c in CASES} >= {"python", "javascript", "typescript", "go", "rust"}
    assert any(c.expected is None for c in CASES) and any(c.expected is not None for c in CASES)


def test_the_damage_check_sees_the_issue_s_damage() -> None:
    """The checker the figures rest on: each kind of damage the issue lists is seen."""
    cases = {c.name: c for c in CASES}
    python, js = cases["py04-usage-in-block"], cases["js01-require-and-example"]
    assert python.expected is not None and js.expected is not None
    assert damage(python, python.expected) == []
    assert "module-level code added" in damage(python, python.expected + "print(mean([1, 2, 3]))\n")[0]
    assert "does not compile" in damage(python, python.source.replace(
        "def mean(xs):\n    total = sum(xs)\n", "total = sum(xs)\n"))[0]
    renamed = python.source.replace("def median(xs)", "def compute_median(xs)")
    assert "changed or went" in damage(python, renamed)[0]
    twice = js.expected.replace("function sum", "const fs = require('fs');\nfunction sum")
    assert damage(js, twice) == ["declares fs twice"]
    assert "module-level code added" in damage(js, js.expected + "console.log(sum([1, 2, 3]));\n")[0]


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    case = outcome.case
    assert damage(case, outcome.text) == [], outcome.stderr
    if case.expected is None:
        assert outcome.code == 1, outcome.stderr
        assert outcome.untouched, "a refusal must leave the file byte-identical and write no backup"
        assert "no safe fix found" in outcome.stderr and case.refusal in outcome.stderr, outcome.stderr
        assert outcome.requests == 2  # the answer, and the one retry with the reason fed back
    else:
        assert outcome.code == 0, outcome.stderr
        assert outcome.text == case.expected, outcome.stderr


def test_one_case_as_a_separate_process(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    """The same path as a user's shell: `python -m codepal.cli.main fix … --write` in its own process."""
    case = next(c for c in CASES if c.name == "js01-require-and-example")
    path = tmp_path / "sum.js"
    path.write_bytes(case.source.encode())
    fake_openai.push(*case.behaviours())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3]), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "codepal.cli.main", "fix", str(path), "--lines", case.lines,
                           "--error", case.error, "--write", "--url", fake_openai.url],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert path.read_text() == case.expected


def figures(outcomes: dict[str, Outcome]) -> dict[str, float]:
    fixable = [o for o in outcomes.values() if o.case.expected is not None]
    refusals = [o for o in outcomes.values() if o.case.expected is None]
    return {
        "cases": len(outcomes),
        "damaged": sum(bool(damage(o.case, o.text)) for o in outcomes.values()),
        "fixable": len(fixable),
        "exact": sum(o.exact for o in fixable),
        "exact_share": sum(o.exact for o in fixable) / len(fixable),
        "refusals": len(refusals),
        "refusals_untouched": sum(o.untouched for o in refusals),
        "fixable_refused_untouched": sum(o.untouched for o in fixable if not o.exact),
    }


def report(outcomes: dict[str, Outcome]) -> str:
    lines = [f"{'case':38} {'language':11} result"]
    for name, o in outcomes.items():
        verdict = ("exact" if o.exact else "refused as expected" if o.case.expected is None and o.untouched
                   else "NOT AS EXPECTED")
        lines.append(f"{name:38} {o.case.language:11} {verdict}")
    f = figures(outcomes)
    lines.append(
        f"\n{f['cases']} answers; damaged files: {f['damaged']}; fixable shapes applied exactly: "
        f"{f['exact']}/{f['fixable']} ({f['exact_share']:.0%}); refusals byte-identical: "
        f"{f['refusals_untouched']}/{f['refusals']}")
    return "\n".join(lines)


def test_figures(outcomes: dict[str, Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + report(outcomes))
    f = figures(outcomes)
    assert f["damaged"] == 0
    assert f["exact_share"] >= MIN_EXACT
    assert f["refusals_untouched"] == f["refusals"]


if __name__ == "__main__":  # print the figures without pytest
    import tempfile

    server = FakeOpenAI().start()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for each in CASES:
            folder = Path(tmp) / each.name
            folder.mkdir()
            results[each.name] = run_case(each, server, folder)
    server.stop()
    print(report(results))
    sys.exit(0 if figures(results)["damaged"] == 0 else 1)
