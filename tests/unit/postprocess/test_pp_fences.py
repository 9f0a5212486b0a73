"""Filter 2: chat preambles and markdown fences."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.fences import strip_chat_wrapping


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


BODY = at("def f(xs):\n    █")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("```python\nreturn 1\n```", "return 1"),
        ("```\nreturn 1\n```\nThis returns one.", "return 1"),
        ("~~~py\nreturn 1\n~~~", "return 1"),
        ("```python\nreturn 1", "return 1"),  # the closing fence never came
        ("```python\n\nreturn 1\n```", "return 1"),
        ("Sure! Here is the code:\n```python\nreturn 1\n```", "return 1"),
        ("Sure, here it is.\nreturn 1", "return 1"),
        ("Here's the completed function:\n\nreturn 1", "return 1"),
        ("The completed code:\nreturn 1", "return 1"),
        ("To finish, return the count of items.\n\n```python\nreturn len(xs)\n```", "return len(xs)"),
        ("return 1\n```\nExplanation follows.", "return 1"),
        ("return 1", "return 1"),
        ("ok = True", "ok = True"),  # looks like "ok" but is code
        ("okay.append(1)", "okay.append(1)"),
    ],
)
def test_unwraps(raw: str, expected: str) -> None:
    assert strip_chat_wrapping(BODY, raw) == expected


def test_snippet_at_column_zero_is_rebased_onto_the_cursor_line() -> None:
    raw = "```python\nfor x in xs:\n    print(x)\nreturn xs\n```"
    assert strip_chat_wrapping(BODY, raw) == "for x in xs:\n        print(x)\n    return xs"


def test_restated_prefix_keeps_absolute_indentation() -> None:
    raw = "```python\ndef f(xs):\n    return xs\n```"
    assert strip_chat_wrapping(BODY, raw) == "def f(xs):\n    return xs"


def test_prose_in_a_comment_is_left_alone() -> None:
    assert strip_chat_wrapping(at("# █"), "Sure, this explains it.") == "Sure, this explains it."
    assert strip_chat_wrapping(at('x = """█'), "Here is the code:\n```") == "Here is the code:\n```"
