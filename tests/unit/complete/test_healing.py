"""Token healing: the prompt stops before the whitespace at the cursor; the answer loses it again."""

from __future__ import annotations

import pytest

from codepal.complete.healing import heal, restore
from codepal.complete.postprocess import postprocess
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest


@pytest.mark.parametrize(("prefix", "kept", "healed"), [
    ("x = ", "x =", " "),  # a line with code: only its blanks
    ("foo(a, b", "foo(a, b", ""),
    ("def f():\n    ", "def f():", "\n    "),  # a fresh line: back to the last line with text
    ("if x:\n\t\t", "if x:", "\n\t\t"),
    ("x = 1\n\n    ", "x = 1", "\n\n    "),
    ("x = 1\n", "x = 1", "\n"),
    ("", "", ""),
])
def test_heal_takes_the_trailing_whitespace_off(prefix: str, kept: str, healed: str) -> None:
    assert heal(prefix) == (kept, healed)


@pytest.mark.parametrize(("text", "healed", "expected"), [
    # on a line with code
    (" compute(x)", " ", "compute(x)"),  # the model's first token carries the space
    ("compute(x)", " ", "compute(x)"),
    ("\n    y = 2", " ", "\n    y = 2"),  # a line break: its answer, unchanged
    ("anything", "", "anything"),
    # on a fresh line
    ("\n    return x\n", "\n    ", "return x\n"),  # `\n    ` is the model's first token
    ("\n        return x", "\n    ", "    return x"),  # deeper than the editor: the rest stays
    ("\n\n    y = 2", "\n    ", "y = 2"),  # a blank line more or less than the user has: at the cursor
    ("\n    y = 2", "\n\n    ", "y = 2"),
    ("\ndef g():", "\n", "def g():"),
    ("\n    return x", "\n        ", "\n    return x"),  # shallower: the block is over (shown as nothing)
    ("return x", "\n    ", "return x"),  # no line break first: the line itself, at the cursor
])
def test_restore_continues_at_the_cursor(text: str, healed: str, expected: str) -> None:
    assert restore(text, healed) == expected


def test_the_prompt_ends_before_the_cursor_lines_indentation() -> None:
    service = CompletionService(CompletionConfig(), EngineConfig())
    text = "import os\n\n\ndef listing(path):\n    \n"
    request = CompletionRequest(text, text.index("    \n") + 4, "python", uri="file:///w/app.py")
    prepared = service.prepare(request, "some-model")
    assert prepared.healed == "\n    "
    assert prepared.rendered.prompt.endswith("def listing(path):")
    assert prepared.context.prefix.endswith("def listing(path):\n    ")  # post-processing sees the document


def test_a_healed_answer_goes_through_post_processing_at_the_cursor() -> None:
    prefix, suffix = "def listing(path):\n    ", "\n"
    _, healed = heal(prefix)
    raw = "\n    return sorted(os.listdir(path))\n\ndef other():\n    pass"
    assert postprocess(prefix, suffix, restore(raw, healed), "python") == "return sorted(os.listdir(path))"


def test_an_answer_that_ends_the_cursors_block_shows_nothing() -> None:
    prefix, suffix = "def f(x):\n    if x:\n        ", "\n"
    _, healed = heal(prefix)
    assert postprocess(prefix, suffix, restore("\n    return x", healed), "python") == ""
