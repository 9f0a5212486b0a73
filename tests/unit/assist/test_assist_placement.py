"""Placing the model's code: the region, the whole document, or only the part it rewrote."""

from __future__ import annotations

from codepal.assist.placement import place, splice
from codepal.assist.region import region_of
from codepal.types import CodeSpan

CLASS = ("class Shape:\n    def __init__(self, r):\n        self.r = r\n\n    def area(self):\n"
         "        return 3.14 * self.r * 2\n\n    def name(self):\n        return 'circle'\n")


def test_a_method_returned_alone_replaces_only_that_method_reindented() -> None:
    fixed = splice(CLASS.rstrip("\n"), "def area(self):\n    return 3.14 * self.r ** 2\n")
    assert fixed == CLASS.rstrip("\n").replace("self.r * 2", "self.r ** 2")


def test_a_fragment_with_no_anchor_is_not_placed() -> None:
    assert splice(CLASS, "x = 1\ny = 2") is None


def test_place_splices_a_fragment_of_a_whole_file_region() -> None:
    region = region_of(CodeSpan(CLASS, 0, len(CLASS), "python"))
    new, reason = place(region, "    def area(self):\n        return 3.14 * self.r ** 2")
    assert (new, reason) == (CLASS.replace("self.r * 2", "self.r ** 2"), "")


def test_place_takes_a_whole_document_answer_whole() -> None:
    doc = "import os\n\n" + CLASS
    region = region_of(CodeSpan(doc, doc.index("def area"), doc.index("\n\n    def name"), "python"))
    new, _ = place(region, doc.replace("* 2", "** 2").replace("\n", "\r\n"))
    assert new == doc.replace("* 2", "** 2")
