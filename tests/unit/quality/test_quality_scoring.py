"""The quality benchmark's figures on small fixed inputs."""

from __future__ import annotations

import pytest

from codepal.bench.quality.scoring import accepted_chars, exact_first_line, first_line, insert, parses


@pytest.mark.parametrize(("suggestion", "removed", "expected"), [
    ("b + c)", "b + c)", 6),
    ("b + c) * 2", "b + c)", 6),  # text past the removed span never counts
    ("b - c)", "b + c)", 2),
    ("", "x", 0),
    ("\n    return x\n", "\n    return x", 13),
    ("\n  return x", "\n    return x", 3),  # wrong indentation stops the user at the first difference
])
def test_accepted_chars_is_the_longest_correct_prefix(suggestion: str, removed: str, expected: int) -> None:
    assert accepted_chars(suggestion, removed) == expected


def test_first_line_is_the_cursor_line_or_the_first_line_below() -> None:
    assert first_line("x + 1)\nmore") == "x + 1)"
    assert first_line("\n\n    return x  \n    y") == "    return x"
    assert first_line("\n") == ""


@pytest.mark.parametrize(("suggestion", "removed", "exact"), [
    ("open(path)", "open(path)", True),
    ("open(path)\nprint(1)", "open(path)", True),
    ("open(path) ", "open(path)", True),  # trailing spaces are invisible
    ("open(pat)", "open(path)", False),
    ("\n    return x\n    # more", "\n    return x\n    y = 2", True),
    ("    return x", "\n    return x", False),  # on the cursor line instead of below it
    ("\n  return x", "\n    return x", False),
    ("", "", False),
])
def test_exact_first_line(suggestion: str, removed: str, exact: bool) -> None:
    assert exact_first_line(suggestion, removed) is exact


def test_parses_python_with_compile() -> None:
    assert parses("def f(x):\n    return x\n", "python")
    assert not parses("def f(x):\n    return (x\n", "python")
    assert not parses("def f(x):\n", "python")  # a block needs a body
    assert parses("s = '\\d'\n", "python")  # a warning, not an error


def test_parses_javascript_without_tree_sitter_errors() -> None:
    assert parses("function f(a) {\n  return a + 1;\n}\n", "javascript")
    assert not parses("function f(a) {\n  return a + ;\n}\n", "javascript")
    assert not parses("function f(a) {\n  return a;\n", "javascript")


def test_insert_puts_the_suggestion_at_the_cursor() -> None:
    assert insert("foo(", "a", ")\nx") == "foo(a)\nx"
    assert insert("", "x = 1\n", "") == "x = 1\n"
