"""A fix may not delete the user's code or leave the failing line as it was: answers shaped like SmolLM2-135M's
(prose, then the whole cell or function copied with the failing line dropped or a neighbour changed) are
refused; real fixes (a line modified, split, guarded, an import added, an operator changed) still pass."""

from __future__ import annotations

from pathlib import Path

from codepal.assist.fix import failing_lines, fixed_document
from codepal.assist.region import region_of
from codepal.cli.assist_cmd import traceback_line
from codepal.notebook import cell_frame_lines
from codepal.types import CodeSpan, Problem


def fix_cell(cell: str, answer: str, problem: Problem) -> tuple[str | None, str]:
    region = region_of(CodeSpan(cell, 0, len(cell), "python"))
    return fixed_document(region, answer, "python", problem)


def block(code: str, prose: str = "Here is the corrected code:") -> str:
    return f"{prose}\n\n```python\n{code}```\n"


LENGHT = "prices = [3, 5, 8]\ncount = lenght(prices)\nprint(count)\n"
LENGHT_ERROR = Problem("NameError: name 'lenght' is not defined", line=1, error_name="NameError")


def test_the_failing_line_deleted_is_refused() -> None:
    new, reason = fix_cell(LENGHT, block("prices = [3, 5, 8]\nprint(count)\n"), LENGHT_ERROR)
    assert new is None
    assert reason == "the answer deletes code instead of fixing it: `count = lenght(prices)`"


def test_the_failing_line_modified_is_a_fix() -> None:
    new, reason = fix_cell(LENGHT, block("prices = [3, 5, 8]\ncount = len(prices)\nprint(count)\n"), LENGHT_ERROR)
    assert new == LENGHT.replace("lenght", "len"), reason


def test_an_unclosed_parenthesis_line_deleted_is_refused() -> None:
    cell = "total = sum([1, 2, 3]\nprint(total)\n"
    problem = Problem("SyntaxError: '(' was never closed", line=0, error_name="SyntaxError")
    new, reason = fix_cell(cell, block("print(total)\n", "The first line is broken. Try:"), problem)
    assert new is None and "deletes code" in reason and "`total = sum([1, 2, 3]`" in reason
    new, reason = fix_cell(cell, block("total = sum([1, 2, 3])\nprint(total)\n"), problem)
    assert new == "total = sum([1, 2, 3])\nprint(total)\n", reason


NME_ERROR = Problem("NameError: name 'nme' is not defined", line=1)


def assert_the_lost_assert_is_refused(program: str, answer: str, lost: str) -> None:
    """`answer` loses the check `lost` and is refused; the answer that only corrects `nme` is a fix."""
    new, reason = fix_cell(program, answer, NME_ERROR)
    assert new is None and reason == f"the answer deletes code instead of fixing it: `{lost}`"
    new, reason = fix_cell(program, block(program.replace("+ nme", "+ name")), NME_ERROR)
    assert new == program.replace("+ nme", "+ name"), reason


CHECKED = "name = 'Ada'\ngreeting = 'Hello, ' + nme\nassert greeting == 'Hello, Ada'\nprint(greeting)\n"


def test_the_assert_deleted_is_refused() -> None:
    answer = block("name = 'Ada'\ngreeting = 'Hello, ' + name\nprint(greeting)\n", "The variable is misspelt. Fixed:")
    assert_the_lost_assert_is_refused(CHECKED, answer, "assert greeting == 'Hello, Ada'")


def test_a_function_answer_for_a_checked_program_keeps_the_check() -> None:
    program = "def greet(name):\n    return 'Hello, ' + nme\n\n\nassert greet('Ada') == 'Hello, Ada'\n"
    new, reason = fix_cell(program, block("def greet(name):\n    return 'Hello, ' + name\n"), NME_ERROR)
    assert new == program.replace("+ nme", "+ name"), reason  # placed as the function: the assert stays


RESHEPE = "import numpy as np\ntable = np.arange(6)\ntable = table.reshepe(2, 3)\nprint(table.shape)\n"
RESHEPE_ERROR = Problem("AttributeError: 'numpy.ndarray' object has no attribute 'reshepe'", line=2)


def test_a_neighbour_changed_instead_of_the_failing_line_is_refused() -> None:
    new, reason = fix_cell(RESHEPE, block(RESHEPE.replace("table.shape", "table.dtype")), RESHEPE_ERROR)
    assert new is None and reason == "the answer leaves the failing line unchanged: `table = table.reshepe(2, 3)`"
    new, reason = fix_cell(RESHEPE, block(RESHEPE.replace("reshepe", "reshape")), RESHEPE_ERROR)
    assert new == RESHEPE.replace("reshepe", "reshape"), reason


def test_a_line_split_in_two_is_a_fix() -> None:
    cell = "rows = load()\nfirst, last = rows[0], rows[len(rows)]\nprint(first, last)\n"
    problem = Problem("IndexError: list index out of range", line=1)
    fixed = "rows = load()\nfirst = rows[0]\nlast = rows[len(rows) - 1]\nprint(first, last)\n"
    new, reason = fix_cell(cell, block(fixed), problem)
    assert new == fixed, reason


def test_lines_joined_or_a_variable_inlined_is_a_fix() -> None:
    cell = "def mean(xs):\n    total = sum(xs)\n    return total / len(x)\n"
    problem = Problem("NameError: name 'x' is not defined", line=2)
    new, reason = fix_cell(cell, block("def mean(xs):\n    return sum(xs) / len(xs)\n"), problem)
    assert new == "def mean(xs):\n    return sum(xs) / len(xs)\n", reason


def test_an_import_added_elsewhere_fixes_an_undefined_name() -> None:
    cell = "def root(x):\n    return math.sqrt(x)\n"
    problem = Problem("NameError: name 'math' is not defined", line=1)
    new, reason = fix_cell(cell, block("import math\n\ndef root(x):\n    return math.sqrt(x)\n"), problem)
    assert new is not None and new.startswith("import math\n") and new.endswith(cell), reason


def test_a_binding_added_before_fixes_an_unbound_local() -> None:
    cell = "def add_all(xs):\n    for x in xs:\n        total += x\n    return total\n"
    problem = Problem("UnboundLocalError: cannot access local variable 'total' where it is not associated "
                      "with a value", line=2)
    fixed = "def add_all(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"
    new, reason = fix_cell(cell, block(fixed), problem)
    assert new == fixed, reason


def test_a_guard_around_the_failing_line_is_a_fix() -> None:
    cell = "ratio = done / total\nprint(ratio)\n"
    problem = Problem("ZeroDivisionError: division by zero", line=0)
    fixed = "if total:\n    ratio = done / total\nelse:\n    ratio = 0\nprint(ratio)\n"
    new, reason = fix_cell(cell, block(fixed), problem)
    assert new == fixed, reason


def test_a_wrong_operator_changed_is_a_fix() -> None:
    cell = "def area(r):\n    return 3.14159 * r + r\n"
    problem = Problem("area() returns the wrong value", line=1)
    new, reason = fix_cell(cell, block("def area(r):\n    return 3.14159 * r * r\n"), problem)
    assert new == "def area(r):\n    return 3.14159 * r * r\n", reason


def test_comments_and_blank_lines_may_go() -> None:
    cell = "# load the prices\nprices = [3, 5]\n\ncount = lenght(prices)\n"
    problem = Problem("NameError: name 'lenght' is not defined", line=3)
    new, reason = fix_cell(cell, block("prices = [3, 5]\n\ncount = len(prices)\n"), problem)
    assert new == "prices = [3, 5]\n\ncount = len(prices)\n", reason


def test_the_failing_lines_come_from_each_surface() -> None:
    # Jupyter: every frame of the cell that ran (its call and the function's line), not an earlier cell's.
    traceback = ("Cell In[4], line 5\n      3 f(1)\n----> 5 g()\n\nCell In[4], line 2, in g()\n----> 2 x.splt()\n\n"
                 "Cell In[2], line 9, in h()\n")
    assert cell_frame_lines(traceback) == [4, 1]
    assert failing_lines(Problem("AttributeError", line=4, traceback=traceback)) == {4, 1}
    # LSP: the diagnostic's line; CLI: the innermost frame of the file being fixed.
    assert failing_lines(Problem("undefined name 'x'", line=7)) == {7}
    assert failing_lines(Problem("Argument of type ...", line=7, end_line=9)) == {7, 8, 9}
    assert failing_lines(None) == frozenset()
    error = ('Traceback (most recent call last):\n  File "/tmp/w/prog.py", line 5, in <module>\n'
             '    assert greet("Ada")\n  File "/tmp/w/prog.py", line 2, in greet\n  File "/usr/lib/x.py", line 9\n')
    assert traceback_line(error, Path("prog.py")) == 1
    assert traceback_line(error, Path("other.py")) is None


def test_javascript_comments_may_go_but_code_may_not() -> None:
    doc = "// totals\nconst prices = [3, 5];\nconst count = prices.lenght;\nconsole.log(count);\n"
    region = region_of(CodeSpan(doc, 0, len(doc), "javascript"))
    problem = Problem("count is undefined", line=2)
    kept = "const prices = [3, 5];\nconst count = prices.length;\nconsole.log(count);\n"
    new, reason = fixed_document(region, f"Fixed:\n```javascript\n{kept}```\n", "javascript", problem)
    assert new == kept, reason
    dropped = "// totals\nconst prices = [3, 5];\nconsole.log(count);\n"
    new, reason = fixed_document(region, f"Fixed:\n```javascript\n{dropped}```\n", "javascript", problem)
    assert new is None and reason == "the answer deletes code instead of fixing it: `const count = prices.lenght;`"


def test_an_assert_rewritten_into_a_call_is_refused() -> None:
    """Seen with SmolLM2-135M: the check turned into a call that prints, the misspelt name left for later."""
    program = "def greet(name):\n    return 'Hello, ' + nme\n\n\nassert greet('Ada') == 'Hello, Ada'\n"
    answer = block("def greet(name):\n    return 'Hello, ' + name\n\n\n"
                   "print(greet(name='Ada'))  # This will print Hello, Ada\n")
    assert_the_lost_assert_is_refused(program, answer, "assert greet('Ada') == 'Hello, Ada'")


def test_a_comment_added_to_the_failing_line_does_not_change_it() -> None:
    cell = "text = 'a b'\nwords = text.splt(' ')\nprint(words)\n"
    problem = Problem("AttributeError: 'str' object has no attribute 'splt'", line=1, error_name="AttributeError")
    answer = block("text = 'a b'\nwords = text.splt(' ')  # <-- Error: splt is not a method\nprint(words)\n")
    new, reason = fix_cell(cell, answer, problem)
    assert new is None and reason == "the answer leaves the failing line unchanged: `words = text.splt(' ')`"
    new, reason = fix_cell(cell, block(cell.replace("splt", "split")), problem)
    assert new == cell.replace("splt", "split"), reason
    hashed = "label = '#' + str(n)\n"  # a `#` inside a string is code, not a comment
    new, reason = fix_cell(hashed, block("label = '#' + str(1)\n"),
                           Problem("NameError: name 'n' is not defined", line=0))
    assert new == "label = '#' + str(1)\n", reason
