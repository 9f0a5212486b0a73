"""Filter 9: trailing whitespace and the layout before a closer."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.trailing import trim_trailing


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


@pytest.mark.parametrize(
    ("doc", "raw", "expected"),
    [
        ("x = █", "1  \n\n", "1"),
        ("def f():\n    █", "a = 1   \n    b = 2  \n", "a = 1\n    b = 2"),
        ("if █== 3:", "x ", "x "),  # the space separates the completion from the rest of the line
        ("if █ == 3:", "x ", "x"),
        ('name = input("█")', "Name: ", "Name: "),  # inside the string
        ("    foo(█)", "\n        a,\n        b,", "\n        a,\n        b,\n    "),
    ],
)
def test_trim_trailing(doc: str, raw: str, expected: str) -> None:
    assert trim_trailing(at(doc), raw) == expected
