"""Jupyter's "Fix this error" on answers of the fix corpus: the document is the cell (the case's target
lines), earlier code is an earlier cell, and an import an earlier cell has is not added again."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jupyter.helpers import Fetch, events, notebook, post, wait_ready
from tests.support.fake_openai import Behaviour, FakeOpenAI
from tests.support.fix_corpus import Case, load_cases

SUBSET = ("py01-several-blocks", "py04-usage-in-block", "py07-one-line", "py17-renamed", "py18-prose-only",
          "py26-module-level-target")


@pytest.fixture
def codepal_settings(fake_openai: FakeOpenAI) -> dict[str, Any]:
    return {"engine_url": fake_openai.url}


def as_cells(case: Case) -> tuple[str, str, str | None]:
    """(earlier cell, the cell, the expected cell or None for a refusal)."""
    lines = case.source.split("\n")
    first, last = case.first_last
    before = "\n".join(lines[:first - 1]).strip("\n")
    cell = "\n".join(lines[first - 1:last])
    after = "\n".join(lines[last:])
    if case.expected is None:
        return before, cell, None
    head = "\n".join(lines[:first - 1]) + ("\n" if first > 1 else "")
    tail = ("\n" + after) if last < len(lines) else ""
    assert case.expected.startswith(head) and case.expected.endswith(tail), case.name
    return before, cell, case.expected[len(head):len(case.expected) - len(tail)]


def error_of(case: Case) -> dict[str, Any]:
    ename, _, evalue = case.error.partition(": ")
    return {"ename": ename, "evalue": evalue, "traceback": [case.error]}


@pytest.mark.parametrize("name", SUBSET)
async def test_corpus_answer_in_a_cell(name: str, jp_fetch: Fetch, fake_openai: FakeOpenAI) -> None:
    case = {c.name: c for c in load_cases()}[name]
    earlier, cell, expected = as_cells(case)
    await wait_ready(jp_fetch)
    fake_openai.push(*case.behaviours())
    cells = [earlier, cell] if earlier.strip() else [cell]
    stream = events(await post(jp_fetch, "fix", notebook(*cells, error=error_of(case))))
    kind, result = stream[-1]
    assert kind == "result"
    if expected is None:
        assert result["ok"] is False and result["new_text"] is None and result["diff"] == []
        assert "no safe fix found" in result["message"]
    else:
        assert result["ok"] is True, result["message"]
        assert result["new_text"] == expected


async def test_an_import_an_earlier_cell_has_is_not_added_again(jp_fetch: Fetch, fake_openai: FakeOpenAI) -> None:
    await wait_ready(jp_fetch)
    answer = ("The method is `mean`:\n\n```python\nimport numpy as np\nimport math\n\nx = np.arange(3)\n"
              "print(x.mean(), math.pi)\n```")
    fake_openai.push(Behaviour(chunks=[("A typo in mean.", ""), ("", answer)]))
    error = {"ename": "AttributeError", "evalue": "'numpy.ndarray' object has no attribute 'mena'",
             "traceback": []}
    body = notebook("import numpy as np", "x = np.arange(3)\nprint(x.mena(), math.pi)", error=error)
    result = events(await post(jp_fetch, "fix", body))[-1][1]
    assert result["ok"] is True, result["message"]
    # numpy is imported by the earlier cell; math is not, so it stays with the cell's code.
    assert result["new_text"] == "import math\n\nx = np.arange(3)\nprint(x.mean(), math.pi)"
