"""Rendered prompts against snapshots: every prompt change shows up as a diff.

Regenerate with `UPDATE_SNAPSHOTS=1 pytest tests/unit/assist/test_assist_prompts.py`.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from codepal.assist import prompts
from codepal.assist.explain import explain_prompt
from codepal.assist.fix import fix_prompt, kernel_shown
from codepal.kernel_facts import KernelFacts
from codepal.types import CodeSpan, Problem

SNAPSHOTS = Path(__file__).parent / "snapshots"
DOC = "import json\n\n\nclass Store:\n    def load(self, path):\n        with open(path) as f:\n" \
      "            return json.loads(f)\n"
SPAN = CodeSpan(DOC, DOC.index("def load"), len(DOC), "Python")
PROBLEM = Problem("the JSON object must be str, bytes or bytearray, not TextIOWrapper", line=6,
                  error_name="TypeError",
                  traceback="Traceback (most recent call last):\n  File \"s.py\", line 7")
SYNTAX = "the corrected code is not valid python: it has 1 syntax error(s) where the original had 0"
CONTEXT = "store = Store()\nstore.load('a.json')"
NB_CELL = "total = df['total'].sum()\nprint(total)\n"
NB_SPAN = CodeSpan(NB_CELL, 0, len(NB_CELL), "python")
NB_PROBLEM = Problem("KeyError: 'total'", line=0, error_name="KeyError")
KERNEL = KernelFacts.from_wire({"variables": [
    ["prices", "list", "3 items of float"],
    ["df", "pandas.DataFrame", "shape (3, 2); columns: Total float64, Name str"],
    ["pd", "module", "pandas"],
]})

RENDERED = {
    "explain": lambda: explain_prompt(SPAN),
    "explain_with_context": lambda: explain_prompt(SPAN, CONTEXT),
    "fix_without_problem": lambda: fix_prompt(SPAN, None),
    "fix_with_problem_and_context": lambda: fix_prompt(SPAN, PROBLEM, CONTEXT),
    "fix_retry": lambda: fix_prompt(SPAN, PROBLEM, "", SYNTAX + " (first error on line 3)"),
    "fix_with_kernel_facts": lambda: fix_prompt(NB_SPAN, NB_PROBLEM, "import pandas as pd", "",
                                                kernel_shown(KERNEL, NB_SPAN, NB_PROBLEM)),
    "explain_with_kernel_facts": lambda: explain_prompt(NB_SPAN, "", KERNEL),
    "fix_json": lambda: fix_prompt(SPAN, PROBLEM, CONTEXT, structured=True),
    "fix_json_retry": lambda: fix_prompt(SPAN, PROBLEM, "", SYNTAX, structured=True),
    "continue": lambda: prompts.render("continue", prompt="PROMPT", thinking="So the bug is on line 3."),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_prompt_matches_snapshot(name: str) -> None:
    rendered = RENDERED[name]()
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(rendered, encoding="utf-8")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"wrote a new snapshot {path.name}; check it and commit it")
    expected = path.read_text(encoding="utf-8")
    if rendered != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), rendered.splitlines(True),
                                            f"snapshots/{name}.txt", "rendered"))
        pytest.fail(f"prompt {name!r} changed (UPDATE_SNAPSHOTS=1 to accept):\n{diff}", pytrace=False)


def test_braces_in_code_are_not_placeholders() -> None:
    span = CodeSpan("d = {code}\nf'{language}'\n", 0, 22, "python")
    assert "d = {code}\nf'{language}'" in fix_prompt(span, None)


def test_a_missing_value_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="code"):
        prompts.render("fix", language="python", problem="", context="")
