"""Filter 7: closers the document does not need."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.brackets import balance_brackets


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


@pytest.mark.parametrize(
    ("doc", "language", "raw", "expected"),
    [
        ("foo(█)", "python", "a, b)", "a, b"),
        ("foo(█);", "javascript", "a, b);", "a, b"),
        ("foo(bar(█))", "python", "x))", "x"),
        ("foo(█)", "python", "a) + b", "a"),
        ("foo(█)", "python", "bar()", "bar()"),
        ('print("█")', "python", 'hi")', "hi"),
        ("s = `█`;", "javascript", "a ${b}`;", "a ${b}"),
        ("let c = █;", "rust", "'x';", "'x'"),
        ("f(█, y)", "python", "x,", "x"),
        # nothing closes on the cursor line: closers must match what is open at the cursor
        ("n = parseInt(█", "javascript", "text, 10));", "text, 10);"),
        ("x = █", "python", "1)", "1"),
        ("x = [█", "python", "1, 2)]", "1, 2]"),
        ("if (a) {\n  █", "javascript", "b();\n}", "b();\n}"),
        ('x = "█', "python", 'abc"', 'abc"'),
        # brackets inside strings and comments are not brackets
        ("foo(█)", "python", "')' # )", "')' # )"),
        ("foo(█)", "c", "'(', /* ) */ x)", "'(', /* ) */ x"),
    ],
)
def test_balance_brackets(doc: str, language: str, raw: str, expected: str) -> None:
    assert balance_brackets(at(doc, language), raw) == expected


def test_unknown_depth_beyond_the_prefix_window_is_trusted() -> None:
    far = "f(\n" + "x = 1\n" * 2000
    ctx = make_context(far, "", "python")
    assert not ctx.prefix_complete
    assert balance_brackets(ctx, "a)") == "a)"
