"""Filter 5: one line mid-line, otherwise the block up to where its syntax ends."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.scope import MAX_LINES, limit_scope

KEEP_LOOP = "for x in xs:\n        g(x)\n    return xs"
KEEP_NESTED = "x = [\n1,\n]\n    y = '''\ntext\n'''\n    return x"


def at(doc: str, language: str = "python") -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language)


@pytest.mark.parametrize(
    ("doc", "language", "raw", "expected"),
    [
        # mid-line: first line only
        ("if █ is None:", "python", "x is None:\n    pass", "x is None:"),
        ("f(█, 2)", "python", "\n1", ""),
        # dedent below the cursor's statement
        ("def f():\n    █", "python", "a = 1\n    b = 2\n\nprint(f())", "a = 1\n    b = 2\n"),
        # a block the cursor line opened ends with its dedent, except for continuation keywords
        ("if x:█", "python", "\n    a()\nelse:\n    b()\nc()", "\n    a()\nelse:\n    b()"),
        ("def f(\n    a,\n):█", "python", "\n    return a\nf(1)", "\n    return a"),
        # at a fresh line, a compound statement may be followed by more of the same block
        ("def f(xs):\n    █", "python", KEEP_LOOP, KEEP_LOOP),
        # a new definition after a blank line at the same level
        ("█", "python", "import os\n\n\ndef main():\n    pass", "import os\n\n"),
        ("class A:\n    █", "python", "x = 1\n\n    def f(self):\n        pass", "x = 1\n"),
        # braces: a closer of the enclosing block is kept, what follows is not
        ("function f() {\n  █", "javascript", "return 1;\n}\n\nfunction g() {}", "return 1;\n}"),
        ("function f() {█", "javascript", "\n  return 1;\n}\nf();", "\n  return 1;\n}"),
        # a bracket block opened on the cursor line ends when it closes
        ("if (x) █", "javascript", "{\n  a();\n} else {\n  b();\n}\nc();", "{\n  a();\n} else {\n  b();\n}"),
        # lines inside the completion's own brackets and strings do not count for indentation
        ("def f():\n    █", "python", KEEP_NESTED, KEEP_NESTED),
        # a completion that starts below the cursor's block has nothing for the cursor
        ("def f():\n    █", "python", "\n\ndef g():\n    pass", "\n"),
        # switch labels dedent below the statements of a case
        ("switch (x) {\n  case 1:\n    █", "c", "a();\n    break;\n  case 2:\n    b();", "a();\n    break;"),
    ],
)
def test_limit_scope(doc: str, language: str, raw: str, expected: str) -> None:
    assert limit_scope(at(doc, language), raw) == expected


def test_never_more_than_max_lines() -> None:
    raw = "\n".join(f"    x{i} = {i}" for i in range(50)).lstrip()
    out = limit_scope(at("def f():\n    █"), raw)
    assert len(out.split("\n")) == MAX_LINES
