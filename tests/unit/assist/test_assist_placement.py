"""Placement by structure, piece by piece: definitions by kind and name, imports without duplicates,
fragments at unambiguous anchors only, diffs by context. (The answer corpus covers the whole path.)"""

from __future__ import annotations

import pytest

from codepal.assist.placement import Candidate, choose, place
from codepal.assist.placement.diff_answer import apply_diff, looks_like_diff
from codepal.assist.placement.fragment import one_line, splice
from codepal.assist.placement.imports import merge_imports, missing_imports
from codepal.assist.placement.structure import structure
from codepal.assist.region import region_of
from codepal.types import CodeSpan

CLASS = ("import os\n\n\nclass Shape:\n    def __init__(self, r):\n        self.r = r\n\n    def area(self):\n"
         "        return 3.14 * self.r * 2\n\n    def name(self):\n        return 'circle'\n")
FIXED = CLASS.replace("self.r * 2", "self.r ** 2")


def region(doc: str, first: str, last: str) -> object:
    return region_of(CodeSpan(doc, doc.index(first), doc.index(last) + len(last), "python"))


def test_structure_names_definitions_with_their_paths() -> None:
    doc = structure(CLASS, "python")
    assert doc is not None
    assert [p for p, _ in doc.definitions()] == [("Shape",), ("Shape", "__init__"), ("Shape", "area"),
                                                 ("Shape", "name")]
    assert [i.kind for i in doc.items] == ["import", "def"]


@pytest.mark.parametrize(("language", "code", "paths"), [
    ("javascript", "export function f() {}\nconst g = () => 1;\nclass K { m() {} }\n",
     [("f",), ("g",), ("K",), ("K", "m")]),
    ("go", "package p\n\nfunc (s *S) M() {}\n\nfunc F() {}\n", [("S.M",), ("F",)]),
    ("rust", "impl S {\n    fn m(&self) {}\n}\nfn f() {}\n", [("S",), ("S", "m"), ("f",)]),
])
def test_structure_in_other_languages(language: str, code: str, paths: list[tuple[str, ...]]) -> None:
    doc = structure(code, language)
    assert doc is not None and [p for p, _ in doc.definitions()] == paths


def test_a_dedented_method_replaces_only_that_method() -> None:
    reg = region(CLASS, "def area", "self.r * 2")
    placed, reason = place(reg, "python", Candidate("def area(self):\n    return 3.14 * self.r ** 2"))  # type: ignore[arg-type]
    assert placed is not None and placed.text == FIXED and placed.how == "definitions", reason


def test_extras_are_dropped_and_used_imports_merged_once() -> None:
    reg = region(CLASS, "def area", "self.r * 2")
    answer = ("import os\nimport math\nimport sys\n\ndef area(self):\n    return math.pi * self.r ** 2\n\n"
              "print(Shape(1).area())\n")
    placed, _ = place(reg, "python", Candidate(answer))  # type: ignore[arg-type]
    assert placed is not None
    assert placed.text == CLASS.replace("import os\n", "import os\nimport math\n").replace(
        "3.14 * self.r * 2", "math.pi * self.r ** 2")


def test_a_rename_keeps_the_name_the_callers_use() -> None:
    doc = "def mean(xs):\n    return sum(xs) / len(x)\n\n\nprint(mean([1]))\n"
    reg = region(doc, "def mean", "len(x)")
    placed, _ = place(reg, "python", Candidate("def average(xs):\n    return sum(xs) / len(xs)"))  # type: ignore[arg-type]
    assert placed is not None and placed.text == doc.replace("len(x)", "len(xs)")


def test_a_change_outside_the_target_only_is_refused() -> None:
    reg = region(CLASS, "def area", "self.r * 2")
    placed, reason = place(reg, "python", Candidate("def name(self):\n    return 'round'"))  # type: ignore[arg-type]
    assert placed is None and "outside the code to fix" in reason


def test_choose_prefers_a_full_function_over_a_snippet_and_skips_the_quoted_original() -> None:
    reg = region(CLASS, "def area", "self.r * 2")
    candidates = [Candidate("def area(self):\n    return 3.14 * self.r * 2"),
                  Candidate("return 3.14 * self.r ** 2"),
                  Candidate("def area(self):\n    return 3.14 * self.r ** 2")]
    choice = choose(reg, "python", candidates)  # type: ignore[arg-type]
    assert choice.text == FIXED and choice.how == "definitions"


def test_one_line_needs_one_clearly_matching_line() -> None:
    doc = "a = x + 1\nb = x + 2\nc = 3\n"
    assert one_line(doc, 0, len(doc), "c = 4") == ("a = x + 1\nb = x + 2\nc = 4\n", "")
    text, reason = one_line(doc, 0, len(doc), "a = x + 3")  # as like `a = x + 1` as like `b = x + 2`
    assert text is None and "unclear" in reason


def test_splice_refuses_a_fragment_whose_anchor_repeats() -> None:
    doc = "if a:\n    x = 1\n    y()\nif b:\n    x = 1\n    y()\n"
    text, reason = splice(doc, 0, len(doc), "x = 1\nz()", "\n")
    assert text is None and "more than one place" in reason


def test_imports_merge_per_language() -> None:
    go = 'package p\n\nimport (\n\t"errors"\n)\n\nfunc F() {}\n'
    assert merge_imports(go, "go", ['import (\n\t"errors"\n\t"fmt"\n)']) == go.replace(
        '\t"errors"\n', '\t"errors"\n\t"fmt"\n')
    rust = "use std::collections::HashMap;\n\nfn f() {}\n"
    assert merge_imports(rust, "rust", ["use std::collections::{HashMap, HashSet};"]) == rust.replace(
        "HashMap;\n", "HashMap;\nuse std::collections::HashSet;\n")
    js = "const fs = require('fs');\n\nfunction f() {}\n"
    assert missing_imports(js, "javascript", ["import fs from 'fs';", "const path = require('path');"]) == [
        "const path = require('path');"]
    python = '"""Doc."""\n\ndef f():\n    pass\n'
    assert merge_imports(python, "python", ["import math"]) == '"""Doc."""\nimport math\n\ndef f():\n    pass\n'


def test_an_import_an_earlier_cell_has_is_not_added() -> None:
    cell = "x = np.zeros(3)\n"
    assert missing_imports(cell, "python", ["import numpy as np"], context="import numpy as np\n") == []
    assert missing_imports(cell, "python", ["import numpy as np"]) == ["import numpy as np"]


def test_diffs_apply_by_context_or_not_at_all() -> None:
    doc = "def f():\n    x = 1\n    return x\n"
    diff = "--- a/f.py\n+++ b/f.py\n@@ -2,2 +2,2 @@\n-    x = 1\n+    x = 2\n     return x"
    assert looks_like_diff(diff, "") and apply_diff(doc, diff) == (doc.replace("x = 1", "x = 2"), "")
    text, reason = apply_diff(doc, "-    y = 1\n+    y = 2")
    assert text is None and "does not match" in reason


def test_decorators_and_export_of_the_document_are_kept() -> None:
    doc = "class A:\n    @property\n    def size(self):\n        return len(self.item)\n"
    reg = region(doc, "@property", "self.item)")
    placed, _ = place(reg, "python", Candidate("def size(self):\n    return len(self.items)"))  # type: ignore[arg-type]
    assert placed is not None and placed.text == doc.replace("self.item)", "self.items)")


def test_imports_merge_in_java_and_c() -> None:
    java = "package a;\n\nclass A {}\n"
    expected = "package a;\n\nimport java.util.Map;\n\nclass A {}\n"
    assert merge_imports(java, "java", ["import java.util.Map;"]) == expected
    c = "#include <stdio.h>\n\nint main() { return 0; }\n"
    assert merge_imports(c, "c", ["#include <string.h>", "#include <stdio.h>"]) == c.replace(
        "<stdio.h>\n", "<stdio.h>\n#include <string.h>\n")


def test_a_structured_candidate_brings_its_imports_separately() -> None:
    """What a JSON-schema answer gives: the target's code, and the imports it needs on their own."""
    doc = "import os\n\n\ndef area(r):\n    return math.pi * r * 2\n"
    reg = region(doc, "def area", "r * 2")
    candidate = Candidate("def area(r):\n    return math.pi * r ** 2", "python", ("import math", "import os"),
                          origin="structured")
    choice = choose(reg, "python", [candidate], problem="NameError: name 'math' is not defined")  # type: ignore[arg-type]
    assert choice.text == "import os\nimport math\n\n\ndef area(r):\n    return math.pi * r ** 2\n"
    cell = "print(math.sqrt(2))"
    whole = region_of(CodeSpan(cell, 0, len(cell), "python"))
    placed = choose(whole, "python", [Candidate("print(math.sqrt(2.0))", "python", ("import math",))])
    assert placed.text == "import math\n\nprint(math.sqrt(2.0))"


def test_a_tsx_document_is_read_by_the_tsx_grammar() -> None:
    """JSX in a `typescriptreact` file: the TypeScript grammar would see errors and placement would refuse."""
    from codepal.assist.placement.structure import structure

    text = "export function Hello({ name }: { name: string }) {\n  return <b>{name}</b>;\n}\n"
    found = structure(text, "typescriptreact")
    assert found is not None and not found.errors
    assert [item.name for item in found.items] == ["Hello"]
