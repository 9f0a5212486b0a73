from __future__ import annotations

import pytest
from context_cases import CASES, CURSOR, Case

from codepal.complete.context import MAX_PARSE_CHARS, build_context, path_hint
from codepal.types import CompletionRequest, OpenDocument


def request(source: str, language: str = "python", **kwargs: object) -> CompletionRequest:
    text, offset = source.replace(CURSOR, ""), source.index(CURSOR)
    return CompletionRequest(text=text, offset=offset, language=language, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[case.language for case in CASES])
def test_every_language(case: Case) -> None:
    text, offset = case.split()
    ctx = build_context(
        CompletionRequest(text=text, offset=offset, language=case.language, uri="file:///w/a")
    )
    assert (ctx.prefix, ctx.suffix) == (text[:offset], text[offset:])
    assert ctx.scope == case.scope
    assert ctx.imports == case.imports
    assert {s.name: s.text for s in ctx.signatures} == case.signatures
    assert all(s.source == "" for s in ctx.signatures)


@pytest.mark.parametrize("case", CASES, ids=[case.language for case in CASES])
def test_same_result_with_a_warm_tree_cache(case: Case) -> None:
    """The incremental parse after an edit gives what a fresh parse gives."""
    text, offset = case.split()
    warm_uri, cold_uri = (f"file:///{kind}/w/{case.language}/a" for kind in ("warm", "cold"))
    build_context(CompletionRequest(text=text, offset=offset, language=case.language, uri=warm_uri))
    for edited, cursor in (
        (text[:offset] + "x(" + text[offset:], offset + 2),
        (text[:offset] + "\n", offset),
    ):
        warm = build_context(
            CompletionRequest(text=edited, offset=cursor, language=case.language, uri=warm_uri)
        )
        cold = build_context(
            CompletionRequest(text=edited, offset=cursor, language=case.language, uri=cold_uri)
        )
        assert warm == cold


def test_definitions_near_the_cursor_or_enclosing_it_are_not_repeated() -> None:
    source = "def near(x):\n    return x\n\ndef outer():\n    near(1)\n    outer()\n    ‸\n"
    ctx = build_context(request(source))
    assert ctx.signatures == ()
    assert ctx.scope == ("def outer():",)


def test_signatures_from_other_documents() -> None:
    util = OpenDocument("file:///w/pkg/util.py", "def scale(v: float) -> float:\n    return v\n", "python")
    js = OpenDocument("file:///w/web/api.js", "export function fetchAll(url) { return [] }\n", "javascript")
    binary = OpenDocument("file:///w/blob.py", "def scale(\0):\n", "python")
    unknown = OpenDocument("file:///w/notes.txt", "def scale(x): text", "plaintext")
    source = "import util\n\nvalue = util.scale(2) + fetchAll('/x')‸\n"
    ctx = build_context(request(source, uri="file:///w/main.py", other_documents=(binary, unknown, util, js)))
    assert {(s.name, s.text, s.source) for s in ctx.signatures} == {
        ("scale", "def scale(v: float) -> float:", "w/pkg/util.py"),
        ("fetchAll", "export function fetchAll(url)", "w/web/api.js"),
    }
    limited = build_context(request(source, other_documents=(util, js)), max_files=1)
    assert [s.name for s in limited.signatures] == ["scale"]


def test_nearest_use_first_and_at_most_n() -> None:
    defs = "".join(f"def f{i}():\n    pass\n" for i in range(12))
    source = defs + filler_lines(35) + "x = " + " + ".join(f"f{i}()" for i in range(12)) + "‸\n"
    ctx = build_context(request(source), max_signatures=5)
    assert [s.name for s in ctx.signatures] == ["f11", "f10", "f9", "f8", "f7"]


def filler_lines(count: int) -> str:
    return "".join(f"# filler {i}\n" for i in range(count))


def test_python_methods_after_the_cursor_are_found() -> None:
    """The part of a Python file after the cursor's method is read separately (wrapped in a class)."""
    later = "".join(f"    def m{i}(self, a{i}: int) -> int:\n        return a{i}\n\n" for i in range(3))
    source = (
        "class K:\n    def first(self):\n        self.m2(1)\n        ‸\n\n"
        + later
        + "def top(q):\n    pass\n"
    )
    ctx = build_context(request(source + "top(1)\n"))
    assert {s.name: s.text for s in ctx.signatures} == {"m2": "def m2(self, a2: int) -> int:"}
    nested = "class A:\n    class B:\n        def go(self):\n            later(1)\n            ‸\n\n"
    nested += "        def other(self):\n            pass\n\n    x = 1\n\ndef later(z):\n    pass\n"
    assert [s.text for s in build_context(request(nested)).signatures] == ["def later(z):"]


def test_python_scope_follows_indentation() -> None:
    assert build_context(request("def f():\n    x = 1\n    ‸")).scope == ("def f():",)
    assert build_context(request("def f():\n    x = 1\n\n‸")).scope == ()
    assert build_context(request("def f(‸):\n    pass\n")).scope == ()
    crlf = build_context(request("class A:\r\n    def f(self):\r\n        x = 1\r\n        ‸\r\n"))
    assert crlf.scope == ("class A:", "def f(self):")


def test_brace_scope_and_header_being_written() -> None:
    js = "function f(a) {\n  return a;\n}\n‸"
    assert build_context(request(js, "javascript")).scope == ()
    assert build_context(request("function f(a, ‸) {\n}\n", "javascript")).scope == ()


def test_binary_unknown_and_clamping() -> None:
    binary = build_context(
        CompletionRequest(text="ab\0cd", offset=2, language="python", uri="file:///x/b.py")
    )
    assert (binary.binary, binary.prefix, binary.suffix) == (True, "", "")
    plain = build_context(
        CompletionRequest(text="some notes", offset=4, language="plaintext", uri="file:///n.txt")
    )
    assert (plain.prefix, plain.suffix, plain.scope, plain.imports, plain.file_path) == (
        "some",
        " notes",
        (),
        (),
        "n.txt",
    )
    assert (
        build_context(CompletionRequest(text="import os", offset=99, language="Python")).prefix == "import os"
    )
    assert build_context(CompletionRequest(text="import os", offset=-3, language="py")).suffix == "import os"
    assert build_context(CompletionRequest(text="", offset=0, language="rust")).prefix == ""


def test_notebook_cells_before_and_after() -> None:
    ctx = build_context(
        CompletionRequest(
            text="df = load(‸)".replace("‸", ""),
            offset=len("df = load("),
            language="python",
            extra_prefix="import pandas as pd\n\ndef load(path: str) -> pd.DataFrame:\n    ...\n"
            + filler_lines(35),
            extra_suffix="\nprint(df)\n",
        )
    )
    assert ctx.prefix.endswith(filler_lines(1)[:0] + "df = load(") and ctx.prefix.startswith("import pandas")
    assert ctx.suffix == ")\nprint(df)\n"
    assert ctx.imports == ("import pandas as pd",)
    assert [s.text for s in ctx.signatures] == ["def load(path: str) -> pd.DataFrame:"]


def test_huge_document_is_parsed_around_the_cursor() -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(MAX_PARSE_CHARS // 20))
    source = "import os\n\n" + body + "class Tail:\n    def go(self):\n        ‸\n"
    ctx = build_context(request(source))
    assert ctx.imports == ("import os",)
    assert ctx.scope == ("class Tail:", "def go(self):")


def test_deterministic() -> None:
    text, offset = CASES[0].split()
    req = CompletionRequest(text=text, offset=offset, language="python")
    assert build_context(req) == build_context(req)


@pytest.mark.parametrize(
    ("uri", "hint"),
    [
        ("file:///home/me/proj/src/pkg/app.py", "src/pkg/app.py"),
        ("file:///c%3A/Users/me/a%20b.py", "Users/me/a b.py"),
        ("untitled:Untitled-1", "Untitled-1"),
        ("vscode-notebook-cell:/home/me/nb.ipynb#W1sZmlsZQ", "home/me/nb.ipynb"),
        ("", ""),
    ],
)
def test_path_hint(uri: str, hint: str) -> None:
    assert path_hint(uri) == hint


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        (
            "javascript",
            "function main() {\n  const r = later(1);\n  ‸\n}\n\n"
            "export function later(n) {\n  return n;\n}\n",
            {"later": "export function later(n)"},
        ),
        (
            "go",
            "package main\n\nfunc main() {\n\tr := later(1)\n\t‸\n}\n\n"
            "func later(n int) int {\n\treturn n\n}\n",
            {"later": "func later(n int) int"},
        ),
        (
            "rust",
            "fn main() {\n    let r = later(1);\n    ‸\n}\n\n"
            "#[inline]\nfn later(n: i32) -> i32 {\n    n\n}\n",
            {"later": "fn later(n: i32) -> i32"},
        ),
    ],
)
def test_definitions_after_the_cursor_in_brace_languages(
    language: str, source: str, expected: dict[str, str]
) -> None:
    """The rest of the file after the next top-level declaration is read separately; same answer."""
    ctx = build_context(request(source, language))
    assert {s.name: s.text for s in ctx.signatures} == expected
    assert len(ctx.scope) == 1


def test_unclosed_bracket_at_the_cursor_keeps_later_definitions() -> None:
    source = "function main() {\n  const r = later(‸\n}\n\nfunction later(n) {\n  return n;\n}\n"
    assert [s.name for s in build_context(request(source, "javascript")).signatures] == ["later"]
