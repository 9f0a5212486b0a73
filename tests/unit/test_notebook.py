"""Notebook cells → completion requests, fix/explain inputs and Problems (pure; no Jupyter)."""

from __future__ import annotations

import pytest

from codepal.notebook import (
    CELL_SEPARATOR,
    Cell,
    NotebookError,
    as_context,
    completion_request,
    context_before,
    error_line,
    explain_inputs,
    fix_inputs,
    problem_from_error,
)
from codepal.text.terminal import strip_escapes

# What ipykernel (IPython 8) sends for `print(undefined_name)` in the second line of a cell.
IPYTHON8_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mNameError\x1b[0m                                 Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 2\x1b[0m\n"
    "\x1b[1;32m      1\x1b[0m x \x1b[38;5;241m=\x1b[39m \x1b[38;5;241m1\x1b[39m\n"
    "\x1b[0;32m----> 2\x1b[0m \x1b[38;5;28mprint\x1b[39m(undefined_name)\n",
    "\x1b[0;31mNameError\x1b[0m: name 'undefined_name' is not defined",
]
IPYTHON7_TRACEBACK = [
    "\x1b[0;31mNameError\x1b[0m    Traceback (most recent call last)",
    "\x1b[0;32m<ipython-input-3-f2a1c0d1e2b3>\x1b[0m in \x1b[0;36m<module>\x1b[0;34m\x1b[0m\n"
    "\x1b[0;32m----> 3\x1b[0;31m \x1b[0mprint\x1b[0m\x1b[0;34m(\x1b[0m\x1b[0my\x1b[0m\x1b[0;34m)\x1b[0m\n",
    "\x1b[0;31mNameError\x1b[0m: name 'y' is not defined",
]

CELLS = [
    Cell("markdown", "# Load data\nWe read the CSV."),
    Cell("code", "import pandas as pd\n%matplotlib inline\ndf = pd.read_csv('a.csv')"),
    Cell("raw", "raw text is not code"),
    Cell("code", "x = 1\nprint(undefined_name)\n"),
    Cell("code", "%%bash\nls -l"),
    Cell("code", "def later():\n    return 2"),
]


def test_markdown_becomes_comments_and_magics_are_commented() -> None:
    assert as_context(CELLS[0], "python") == "# # Load data\n# We read the CSV."
    assert as_context(CELLS[1], "python").splitlines()[1] == "# %matplotlib inline"
    assert as_context(CELLS[2], "python") == ""
    assert as_context(CELLS[4], "python") == "# %%bash\n# ls -l"
    assert as_context(Cell("markdown", "note"), "javascript") == "// note"


def test_completion_request_puts_earlier_cells_before_and_later_after() -> None:
    request = completion_request(CELLS, 3, offset=5, uri="nb.ipynb")
    assert request.text == CELLS[3].source and request.offset == 5
    assert request.extra_prefix.startswith("# # Load data")
    assert request.extra_prefix.endswith("df = pd.read_csv('a.csv')" + CELL_SEPARATOR)
    assert "raw text" not in request.extra_prefix
    assert request.extra_suffix.startswith(CELL_SEPARATOR + "# %%bash")
    assert request.extra_suffix.endswith("return 2")


def test_first_and_only_cell_has_no_extra_text() -> None:
    request = completion_request([Cell("code", "pri")], 0, offset=3)
    assert (request.extra_prefix, request.extra_suffix) == ("", "")


def test_nearest_cells_win_within_the_limit() -> None:
    cells = [Cell("code", f"v{i} = {i}\n" * 50) for i in range(10)] + [Cell("code", "")]
    before = context_before(cells, 10, "python", limit=700)
    assert "v9 = 9" in before and "v0 = 0" not in before
    assert len(before) <= 700
    assert all(line.startswith("v") for line in before.splitlines() if line)  # cut on line boundaries


def test_fix_inputs_take_the_whole_cell_and_the_error() -> None:
    error = NotebookError("NameError", "name 'undefined_name' is not defined", tuple(IPYTHON8_TRACEBACK))
    inputs = fix_inputs(CELLS, 3, error)
    span = inputs.span
    assert (span.text, span.start, span.end) == (CELLS[3].source, 0, len(CELLS[3].source))
    assert "pd.read_csv" in inputs.context and "Load data" not in inputs.context  # code cells only
    problem = inputs.problem
    assert problem is not None
    assert problem.message == "NameError: name 'undefined_name' is not defined"
    assert problem.error_name == "NameError"
    assert problem.line == 1
    assert "\x1b" not in problem.traceback and "----> 2 print(undefined_name)" in problem.traceback


def test_ipython7_tracebacks_give_the_line_too() -> None:
    assert error_line(strip_escapes("\n".join(IPYTHON7_TRACEBACK)), "a\nb\nprint(y)") == 2


def test_a_line_past_the_edited_cell_is_dropped() -> None:
    assert error_line("Cell In[3], line 9\n", "one line") is None
    assert error_line("no frames here") is None


def test_problem_without_traceback_or_value() -> None:
    assert problem_from_error(NotebookError("KeyboardInterrupt", "")).message == "KeyboardInterrupt"
    assert problem_from_error(NotebookError("", "")).message == "the cell raised an error"


def test_huge_tracebacks_keep_head_and_tail() -> None:
    frames = tuple(f"frame {i}" for i in range(5000))
    problem = problem_from_error(NotebookError("RecursionError", "too deep", frames), "f()")
    assert len(problem.traceback) < 9000
    assert problem.traceback.startswith("frame 0") and problem.traceback.endswith("frame 4999")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(None, None, (0, 28)), (6, 11, (6, 11)), (3, 3, (0, 28)), (-5, 999, (0, 28)), (20, 10, (0, 28))],
)
def test_explain_selection_is_clamped(start: int | None, end: int | None, expected: tuple[int, int]) -> None:
    inputs = explain_inputs(CELLS, 3, start, end)
    assert len(CELLS[3].source) == 28
    span = inputs.span
    assert (span.start, span.end) == expected
