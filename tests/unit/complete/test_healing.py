"""Token healing: the prompt stops before the whitespace at the cursor; the answer loses it again."""

from __future__ import annotations

import pytest

from codepal.complete.healing import heal, restore
from codepal.complete.postprocess import postprocess
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest


@pytest.mark.parametrize(("prefix", "kept", "healed"), [
    ("x = ", "x =", " "),
    ("def f():\n    ", "def f():\n", "    "),
    ("if x:\n\t\t", "if x:\n", "\t\t"),
    ("foo(a, b", "foo(a, b", ""),
    ("x = 1\n", "x = 1\n", ""),  # a line break is not healed: the model sees it in every line
    ("", "", ""),
])
def test_heal_takes_the_trailing_blanks_off(prefix: str, kept: str, healed: str) -> None:
    assert heal(prefix) == (kept, healed)


@pytest.mark.parametrize(("text", "healed", "expected"), [
    (" compute(x)", " ", "compute(x)"),  # the model's first token carries the space
    ("    return x\n", "    ", "return x\n"),
    ("        return x", "    ", "    return x"),  # deeper than the editor: the rest stays
    ("  return x", "    ", "return x"),  # shallower: the code still goes at the cursor
    ("\n    y = 2", "    ", "\n    y = 2"),  # a line break first: its answer, unchanged
    ("compute(x)", " ", "compute(x)"),
    ("anything", "", "anything"),
])
def test_restore_continues_at_the_cursor(text: str, healed: str, expected: str) -> None:
    assert restore(text, healed) == expected


def test_the_prompt_ends_before_the_cursor_lines_indentation() -> None:
    service = CompletionService(CompletionConfig(), EngineConfig())
    text = "import os\n\n\ndef listing(path):\n    \n"
    request = CompletionRequest(text, text.index("    \n") + 4, "python", uri="file:///w/app.py")
    prepared = service.prepare(request, "some-model")
    assert prepared.healed == "    "
    assert prepared.rendered.prompt.endswith("def listing(path):\n")
    assert prepared.context.prefix.endswith("def listing(path):\n    ")  # post-processing sees the document


def test_a_healed_answer_goes_through_post_processing_at_the_cursor() -> None:
    prefix, suffix = "def listing(path):\n    ", "\n"
    _, healed = heal(prefix)
    raw = "    return sorted(os.listdir(path))\n\ndef other():\n    pass"
    assert postprocess(prefix, suffix, restore(raw, healed), "python") == "return sorted(os.listdir(path))"
