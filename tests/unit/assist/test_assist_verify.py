"""Verification: parses no worse than the original, and is a change."""

from __future__ import annotations

import pytest

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
