"""Filter 1: reasoning residue and special tokens."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import make_context
from codepal.complete.postprocess.reasoning import strip_reasoning

CTX = make_context("def f():\n    ", "", "python")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<think>\nplan\n</think>\n\nreturn 1", "return 1"),
        ("plan, no opening tag\n</think>\nreturn 1", "return 1"),
        ("<think>a</think><think>b</think>x", "x"),
        ("<think>\nstill thinking", ""),
        ("return 1<think>", "return 1"),
        ("<|fim_middle|>return 1", "return 1"),
        ("return 1<|endoftext|>def junk(): pass", "return 1"),
        ("return 1<|im_end|>", "return 1"),
        ("return 1<｜end▁of▁sentence｜>more", "return 1"),
        ("<｜begin▁of▁sentence｜>return 1", "return 1"),
        ("return 1<｜User｜>Now explain it", "return 1"),
        ("<|fim_<|x|>middle|>a", "a"),  # removing a token must not leave a new one behind
        ("x = a <| b |> c", "x = a <| b |> c"),  # operators that merely look similar stay
        ("return 1", "return 1"),
    ],
)
def test_strip_reasoning(raw: str, expected: str) -> None:
    assert strip_reasoning(CTX, raw) == expected
