"""The region a request is about: whole lines, dedented for the model, re-indented on the way back."""

from __future__ import annotations

from codepal.assist.region import common_indent, region_of
from codepal.types import CodeSpan

DOC = "class A:\n    def f(self):\n        return 1\n\n    def g(self):\n        return 2\n"


def test_a_span_from_def_widens_to_whole_lines() -> None:
    start = DOC.index("def f")
    region = region_of(CodeSpan(DOC, start, DOC.index("\n\n"), "python"))
    assert region.text == "    def f(self):\n        return 1"
    assert region.code == "def f(self):\n    return 1"
    assert (region.indent, region.first_line, region.whole_document) == ("    ", 1, False)


def test_a_selection_ending_after_a_line_break_stops_there() -> None:
    end = DOC.index("    def g")
    region = region_of(CodeSpan(DOC, 0, end, "python"))
    assert region.text == "class A:\n    def f(self):\n        return 1"  # trailing blank lines too
    assert region.line_count() == 3


def test_whole_document() -> None:
    assert region_of(CodeSpan(DOC, 0, len(DOC), "python")).whole_document


def test_replaced_reindents_and_keeps_line_breaks() -> None:
    doc = DOC.replace("\n", "\r\n")
    region = region_of(CodeSpan(doc, doc.index("def f"), doc.index("return 1") + 8, "python"))
    new = region.replaced("def f(self):\n\n    return 3\n")
    assert new == doc.replace("        return 1", "\r\n        return 3")


def test_out_of_range_offsets_are_clamped() -> None:
    assert region_of(CodeSpan("x = 1", -5, 99, "python")).text == "x = 1"


def test_common_indent() -> None:
    assert common_indent("    a\n      b\n\n    c") == "    "
    assert common_indent("\ta\n\t\tb") == "\t"
    assert common_indent("a\n  b") == ""
