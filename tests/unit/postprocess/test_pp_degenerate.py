"""Filter 8: degenerate output."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import make_context
from codepal.complete.postprocess.degenerate import drop_degenerate

CTX = make_context("def f():\n    ", "", "python")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  \n\t\n", ""),
        ("a\x00b", ""),
        ("a\ud800", ""),
        ("a\ufffdb", ""),
        # a repeated line or group keeps its first round: the model's next line(s), then the loop
        ("x = 1\nx = 1\nx = 1", "x = 1"),
        ("a()\nb()\na()\nb()\na()\nb()", "a()\nb()"),
        ("setup()\nrun()\nrun()\nrun()", "setup()\nrun()"),
        ("\n    return\n\nif x:\n    return\n\nif x:\n    return\n\nif x:", "\n    return\n\nif x:"),
        # the same line nested deeper each time is a loop too (seen with SmolLM2-135M after a good line)
        ("\n  a = b;\n  if (x) {\n    if (x) {\n      if (x) {", "\n  a = b;\n  if (x) {"),
        ("\n  return f(r) {\n    return f(r) {\n      return f(r) {\n", "\n  return f(r) {"),
        # a loop inside a word with a long unit (16 characters here)
        ("return self._add_layer(" + "self._add_layer(" * 8, "return "),
        (")" * 25, ""),
        ("abababababababababab", ""),
        ("0, 1, " * 8, ""),
        (";;;;", ""),
        ("........", ""),
        # legitimate repetition and punctuation
        ("}\n}\n}", "}\n}\n}"),
        ("      end\n    end\n  end", "      end\n    end\n  end"),  # closers that dedent: not a loop
        ("x = [0, 0, 0, 0, 0, 0, 0, 0]", "x = [0, 0, 0, 0, 0, 0, 0, 0]"),
        ("# " + "-" * 40 + "\nx = 1", "# " + "-" * 40 + "\nx = 1"),
        ("mask = 0xFFFFFFFFFFFFFFFF", "mask = 0xFFFFFFFFFFFFFFFF"),
        ("):", "):"),
        ("...", "..."),
        ("a\x0cb", "a\x0cb"),
        ("return x", "return x"),
    ],
)
def test_drop_degenerate(raw: str, expected: str) -> None:
    assert drop_degenerate(CTX, raw) == expected


def test_loop_after_useful_text_keeps_the_text() -> None:
    raw = "values = compute_all(items, limit)\nfoo(" + "a, b, " * 12
    assert drop_degenerate(CTX, raw) == "values = compute_all(items, limit)\nfoo(a, "


def test_a_long_loop_after_useful_text_keeps_the_text() -> None:
    """A loop that fills most of the answer (the token budget ran out inside it) still leaves the model's
    start: the text before the loop stays."""
    raw = "f.write(f'#{parent_w} " + "#{child_w} #{child_r} " * 8
    assert drop_degenerate(CTX, raw) == "f.write(f'#{parent_w} "
