"""The shared context: windows, cursor facts, the lexer, line breaks."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import make_context, wants_single_line
from codepal.complete.postprocess.context import WINDOW
from codepal.complete.postprocess.lexer import BLOCK, CODE, scan, scan_stack, style_for
from codepal.complete.postprocess.pipeline import document_eol


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        ("", False),
        ("\nmore", False),
        (")", False),
        ('");\nx', False),
        ("]} ,;'`", False),
        (" == 3:", True),
        (", y)", True),
        ("x\r\n", True),
        ("\r\nx", False),
    ],
)
def test_wants_single_line(suffix: str, expected: bool) -> None:
    assert wants_single_line("x = ", suffix) is expected


def test_cursor_facts() -> None:
    ctx = make_context("def f(a,\n        b):\n    x = foo(a, [", "])\n    return x\n", "python")
    assert ctx.line_prefix == "    x = foo(a, ["
    assert ctx.line_suffix == "])"
    assert ctx.indent == 4 and not ctx.at_line_start
    assert ctx.open_brackets == ["(", "["]
    assert ctx.line_open_count == 2
    assert ctx.suffix_closers == ["]", ")"]
    assert ctx.suffix_lines == ["])", "return x"]
    assert ctx.prev_lines == ["def f(a,", "        b):"]


def test_cursor_in_strings_and_comments() -> None:
    assert make_context('s = "abc', "", "python").cursor_state == '"'
    assert make_context('s = """\nabc', "", "python").cursor_state == '"""'
    assert make_context("/* abc\n * ", "", "c").cursor_state == BLOCK
    assert make_context("x = 1  # note", "", "python").in_comment
    assert not make_context("x = '#'", "", "python").in_comment


def test_window_and_crlf() -> None:
    prefix = '"""\n' + "text\r\n" * 1000 + "def f():\r\n    "
    ctx = make_context(prefix, "\r\nx", "python")
    assert len(ctx.prefix) <= WINDOW and not ctx.prefix_complete
    assert "\r" not in ctx.prefix + ctx.suffix
    assert ctx.start_state == '"""'  # the window starts inside the docstring opened above it
    assert ctx.line_prefix == "    "


@pytest.mark.parametrize(
    ("prefix", "suffix", "eol"),
    [("a\nb", "", "\n"), ("a\r\nb", "", "\r\n"), ("a\rb", "", "\r"), ("a", "\r\nb", "\r\n"), ("a", "b", "\n"),
     ("a\r", "\nb", "\r\n")],
)
def test_document_eol(prefix: str, suffix: str, eol: str) -> None:
    assert document_eol(prefix, suffix) == eol


def test_scan_tracks_lines_depths_and_unmatched_closers() -> None:
    sc = scan('a(\n  "x)",\n  """\n)\n"""\n) ] x', style_for("python"))
    assert sc.line_states == [CODE, CODE, CODE, '"""', '"""', CODE]
    assert sc.depths == [0, 1, 1, 1, 1, 1, -1]
    assert [ch for _, ch in sc.unmatched] == ["]"]


def test_scan_from_inside_a_string() -> None:
    sc = scan('end") + f(', style_for("python"), '"')
    assert sc.unmatched == [(3, '"'), (4, ")")]
    assert [ch for _, ch in sc.stack] == ["("]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("rust", "fn f<'a>(x: &'a str) -> char { '(' "),
        ("go", "s := `(\n` + f("),
        ("javascript", "const t = `${a}(` + g(/* ( */ "),
        ("java", 'String s = """\n(\n"""; h('),
        ("c", "char c = ')'; // (\nk("),
    ],
)
def test_quotes_and_comments_per_language(language: str, text: str) -> None:
    sc = scan(text, style_for(language))
    assert sc.unmatched == []
    assert len(sc.stack) == 1
    assert scan_stack(text, style_for(language)) == (CODE, [ch for _, ch in sc.stack])
