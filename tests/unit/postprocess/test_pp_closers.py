"""The frame walker that reads the rest of the cursor line as it will read after the completion."""

from __future__ import annotations

import pytest

from codepal.complete.postprocess import make_context
from codepal.complete.postprocess.closers import INTERP, walk
from codepal.complete.postprocess.lexer import style_for


@pytest.mark.parametrize(
    ("doc", "language", "frames"),
    [
        ('raise KeyError(f"█)', "python", ["(", 'f"']),
        ('x = f"{a} {b[█', "python", ['f"', INTERP, "["]),
        ('x = f"{{█', "python", ['f"']),  # `{{` is a literal brace
        ('x = rb"{█', "python", ['"']),  # not an f-string
        ("s = `a ${f(█", "javascript", ["f`", INTERP, "("]),  # `f`: it interpolates
        ("s = `$█", "javascript", ["f`"]),
        ("s = '${█", "javascript", ["'"]),  # only template literals interpolate
        ("foo(a)  # see bar(█", "python", ["#", "("]),
        ("foo(/* it's (█", "c", ["(", "/*", "("]),
        ("let r: &'a str = f(█", "rust", ["("]),  # a lifetime, not a char literal
        ("fmt.Println(`raw \\█", "go", ["(", "`"]),
    ],
)
def test_frames_at_the_cursor(doc: str, language: str, frames: list[str]) -> None:
    prefix, suffix = doc.split("█")
    assert make_context(prefix, suffix, language).cursor_frames == frames


def test_walk_records_what_it_closes_of_the_text_before() -> None:
    style = style_for("python")
    walked = walk('x}") + y)', style, ["(", 'f"', INTERP])
    assert walked.popped == [(1, INTERP), (2, 'f"'), (3, "(")]
    assert walked.excess == [(8, ")")]
    assert walked.frames == [] and not walked.broken


def test_one_line_string_cut_by_the_line_end_is_broken() -> None:
    style = style_for("python")
    assert walk('abc\nx = 1', style, ['"']).broken
    assert not walk('abc\nx = 1', style, ['"""']).broken
    assert walk("abc", style, ['"']).broken  # still open at the end of the text


def test_comments_track_their_own_brackets_only() -> None:
    style = style_for("javascript")
    walked = walk("1) it's x) fine\ny", style, ["(", "//"])
    assert walked.popped == [(15, "//")]  # the line break ends the comment; prose closes nothing
    assert walked.frames == ["("] and not walked.excess
