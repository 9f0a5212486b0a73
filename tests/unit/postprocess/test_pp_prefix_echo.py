"""Filter 3: text that restates the prefix."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.prefix_echo import drop_prefix_echo


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


@pytest.mark.parametrize(
    ("doc", "raw", "expected"),
    [
        ("def f(a, b):\n    return a█", "return a + b", " + b"),
        ("def f(a, b):\n    return a█", "    return a + b", " + b"),
        ("x = █", "x = 5", "5"),
        ("x = █", "x =5", "5"),
        ("files = os.listd█", "listdir('.')", "ir('.')"),
        ("def f(a, b):\n    █", "def f(a, b):\n    return a", "    return a"),
        ("class A:\n    def f(self):\n        █", "class A:\n    def f(self):\n        pass", "        pass"),
        ("def f(a, b):\n    return a█", "def f(a, b):\n    return a + b", " + b"),
        ("x = 1\n█", "x = 1", ""),
        # Not echoes: a continuation, a too-short line, a closer that may close another block.
        ("def f(a, b):\n    return a█", " + b", " + b"),
        ("i\n█", "i", "i"),
        ("if x:\n    pass\n}\n█", "}", "}"),
        ("print(x█", "print(x)", ")"),
    ],
)
def test_drop_prefix_echo(doc: str, raw: str, expected: str) -> None:
    assert drop_prefix_echo(at(doc), raw) == expected


def test_short_words_are_not_treated_as_restarts() -> None:
    assert drop_prefix_echo(at("y = ab█"), "abc") == "abc"
