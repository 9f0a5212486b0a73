"""Filter 6: text the suffix already has."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.suffix_overlap import drop_suffix_overlap


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


@pytest.mark.parametrize(
    ("doc", "language", "raw", "expected"),
    [
        # same line: the tail repeats the start of the rest of the line (spacing ignored)
        ("for i in █:", "python", "range(10):", "range(10)"),
        ("if █ == 3:", "python", "x == 3:", "x "),
        ("if █ == 3:", "python", "x==3:", "x"),
        ("f(█, limit=10)", "python", "data, limit=10)", "data"),
        # the completion runs through the rest of the line and beyond
        ("x = █ + 1", "python", "y + 1 + 2", "y "),
        # closers only are the bracket filter's business
        ("f(█)", "python", "g())", "g())"),
        # never cut inside a word
        ("x = █ab", "python", "cab", "cab"),
        # next lines: a line equal to the suffix's first line, or final lines equal to the suffix's
        ("def f():\n    █\n    return r", "python", "r = 1\n    return r", "r = 1"),
        ("def f():\n    █\n    return r", "python", "r = 1\n    return r\n\nf()", "r = 1"),
        ("def f():\n    █\n    return r", "python", "return r", ""),
        ("function f() {\n  █\n}", "javascript", "a();\n}", "a();"),
        ("{\n  █\n}", "javascript", "x: 1,\n}", "x: 1,"),
        # ... unless that would leave the completion's own brackets open
        ("function f() {\n  █\n}", "javascript", "if (x) {\n  a();\n}", "if (x) {\n  a();\n}"),
        # a bracket left on the cursor line: the suffix's next line is what follows
        ("f(█)\ng()", "python", "\n    a,\n)\ng()", "\n    a,"),
    ],
)
def test_drop_suffix_overlap(doc: str, language: str, raw: str, expected: str) -> None:
    assert drop_suffix_overlap(at(doc, language), raw) == expected
