"""Verification: parses no worse than the original, and is a change."""

from __future__ import annotations

import pytest

from codepal.assist.verification import verify_fix
from codepal.assist.verify import first_error_line, syntax_errors, verify


@pytest.mark.parametrize(("text", "language", "errors"), [
    ("x = 1\n", "python", 0),
    ("def f(:\n    pass\n", "python", 1),
    ("x = (1,\n", "python", 1),
    ("function f() { return 1; }", "javascript", 0),
    ("function f() { return 1; ", "javascript", 1),
    ("fn main() { let x = 1 }", "rust", 1),
    ("anything at all", "plaintext", None),
])
def test_syntax_errors(text: str, language: str, errors: int | None) -> None:
    count = syntax_errors(text, language)
    assert (count is None) if errors is None else (count is not None and (count > 0) == (errors > 0))


def test_a_fix_that_parses_is_accepted() -> None:
    assert verify("def f():\n    return 1 -\n", "def f():\n    return 1 - 2\n", "python").ok


def test_a_fix_that_adds_a_syntax_error_is_rejected_with_the_line() -> None:
    original = "a = 1\n\ndef f():\n    return a\n"
    fixed = "a = 1\n\ndef f():\n    return a +\n"
    verdict = verify(original, fixed, "python", first_line=2)
    assert not verdict.ok
    assert "syntax error" in verdict.reason and "line 2" in verdict.reason


def test_an_original_with_errors_may_keep_them() -> None:
    original = "def f(:\n    return 1\nx = 1\n"
    assert verify(original, original.replace("x = 1", "x = 2"), "python").ok


def test_identical_or_whitespace_only_is_not_a_fix() -> None:
    original = "def f():\n    return 1\n"
    assert "identical" in verify(original, original, "python").reason
    assert not verify(original, "def f():  \r\n    return 1\r\n\n", "python").ok


def test_empty_is_not_a_fix() -> None:
    assert not verify("x = 1\n", "  \n", "python").ok


def test_language_without_grammar_accepts_any_change() -> None:
    assert verify("SELECT 1", "SELECT 2", "sql").ok


def test_first_error_line() -> None:
    assert first_error_line("x = 1\ny = (\n", "python") == 1
    assert first_error_line("x = 1\n", "python") is None


# -- verification that can fail (verify_fix) ---------------------------------------------------------

DOC = "import os\n\n\ndef mean(xs):\n    return sum(xs) / len(x)\n\n\ndef name():\n    return 'stats'\n"
TARGET = (DOC.index("def mean"), DOC.index("\n\n\ndef name"))


def test_python_is_compiled_so_a_module_level_return_fails() -> None:
    fixed = DOC.replace("def mean(xs):\n    return sum(xs) / len(x)", "return sum(xs) / len(xs)")
    verdict = verify_fix(DOC, fixed, "python", *TARGET, first_line=3)
    assert not verdict.ok and "does not compile" in verdict.reason and "'return' outside function" in verdict.reason


def test_a_change_outside_the_target_fails() -> None:
    fixed = DOC.replace("len(x)", "len(xs)").replace("'stats'", "'statistics'")
    verdict = verify_fix(DOC, fixed, "python", *TARGET)
    assert not verdict.ok and "`name` outside the code to fix" in verdict.reason


def test_module_level_code_added_around_a_function_fails() -> None:
    fixed = DOC.replace("len(x)\n", "len(xs)\n\n\nprint(mean([1, 2]))\n")
    verdict = verify_fix(DOC, fixed, "python", *TARGET)
    assert not verdict.ok and "module-level" in verdict.reason


def test_a_lost_definition_or_import_fails() -> None:
    assert "removes or renames `name`" in verify_fix(DOC, DOC.replace("len(x)", "len(xs)").split("\n\n\ndef name")[0]
                                                    + "\n", "python", *TARGET).reason
    assert "removes the import" in verify_fix(DOC, DOC.replace("len(x)", "len(xs)").replace("import os\n", ""),
                                              "python", *TARGET).reason


def test_the_undefined_name_must_be_bound_or_gone() -> None:
    problem = "NameError: name 'x' is not defined"
    assert verify_fix(DOC, DOC.replace("len(x)", "len(xs)"), "python", *TARGET, problem=problem).ok
    verdict = verify_fix(DOC, DOC.replace("sum(xs)", "sum(xs) * 1"), "python", *TARGET, problem=problem)
    assert not verdict.ok and "`x` is still used" in verdict.reason
    bound = DOC.replace("    return sum(xs)", "    x = xs\n    return sum(xs)")
    assert verify_fix(DOC, bound, "python", *TARGET, problem=problem).ok


def test_js_duplicate_top_level_declarations_fail() -> None:
    doc = "const fs = require('fs');\n\nfunction f() {\n  return 1 +;\n}\n"
    fixed = "const fs = require('fs');\n\nconst fs = require('fs');\nfunction f() {\n  return 1;\n}\n"
    verdict = verify_fix(doc, fixed, "javascript", doc.index("function"), len(doc) - 1)
    assert not verdict.ok and "declares `fs` twice" in verdict.reason


def test_a_new_name_nothing_binds_fails() -> None:
    helper_dropped = DOC.replace("len(x)", "_safe_len(xs)")
    verdict = verify_fix(DOC, helper_dropped, "python", *TARGET)
    assert not verdict.ok and "uses `_safe_len`" in verdict.reason
    assert verify_fix(DOC, DOC.replace("len(x)", "max(len(xs), 1)"), "python", *TARGET).ok  # a builtin
    cell = "y = np.arange(3).mena()\n"
    assert verify_fix(cell, "y = np.arange(3).mean()\n", "python", 0, len(cell)).ok  # np: an earlier cell's
    assert verify_fix(cell, "y = pd.Series(np.arange(3)).mean()\n", "python", 0, len(cell),
                      context="import pandas as pd\n").ok
    starred = "from math import *\n\n" + DOC
    start = starred.index("def mean")
    assert verify_fix(starred, starred.replace("len(x)", "floor(len(xs))"), "python", start,
                      starred.index("\n\n\ndef name")).ok  # floor may come from the star import
