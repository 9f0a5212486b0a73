"""Properties of every filter: idempotent (f(f(x)) == f(x)) and never raising, on code-like noise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepal.complete.postprocess import FILTERS, cursor_context, make_context, postprocess, run_filters
from codepal.complete.postprocess.context import CURSOR_FACTS, Context
from codepal.complete.postprocess.pipeline import Filter
from codepal.complete.postprocess.text import normalize_newlines

LANGUAGES = ["python", "javascript", "typescript", "go", "rust", "java", "c", "cpp", "plaintext"]

# Pieces that trigger the filters' special cases, mixed with raw characters.
FRAGMENTS = [
    "<think>", "</think>", "<|endoftext|>", "<|fim_middle|>", "<｜end▁of▁sentence｜>", "```", "```python\n",
    "Sure! Here is the code:\n", "Here's the code:", "To do it, add the numbers.\n", "def f(x):\n", "    ",
    "\t", "\n", "\n\n", "return x\n", "    return x\n", "}\n", "{\n", "(", ")", "[", "]", "{", "}", '"', "'",
    '"""', "`", "/*", "*/", "//", "#", ";", ",", ":", "\\", "foo(a, b)", "x = 1\n", "print(x)\n",
    "else:\n", "} else {\n", "abcabcabcabcabcabc", ")))))))))))))))))))))", "0, 1, " * 6, "if (x) {\n",
    "'a'", "'a ", "\r\n", "\r", "é", "😋", "\x00", "\ud800",
]
ALPHABET = "abxy_019 \t\n()[]{}\"'`#/*:;,.=+-<>\\|!?"


def code_like(max_parts: int = 12) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, max_size=6))
    return st.lists(piece, max_size=max_parts).map("".join)


@st.composite
def contexts(draw: st.DrawFn) -> Context:
    return make_context(
        draw(code_like()),
        draw(code_like()),
        draw(st.sampled_from(LANGUAGES)),
        tab_size=draw(st.integers(1, 8)),
        insert_spaces=draw(st.booleans()),
    )


PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("name,step", FILTERS, ids=[name for name, _ in FILTERS])
@PROPERTY_SETTINGS
@given(ctx=contexts(), raw=code_like(16))
def test_filter_is_idempotent(name: str, step: Filter, ctx: Context, raw: str) -> None:
    text = normalize_newlines(raw)  # the pipeline hands filters `\n` line breaks only
    once = step(ctx, text)
    assert step(ctx, once) == once, f"{name} is not idempotent on {text!r}"


@PROPERTY_SETTINGS
@given(ctx=contexts(), raw=code_like(16))
def test_filters_do_not_raise_on_code_like_text(ctx: Context, raw: str) -> None:
    assert isinstance(run_filters(ctx, raw), str)


@PROPERTY_SETTINGS
@given(
    prefix=st.text(),
    suffix=st.text(),
    completion=st.text(),
    language=st.one_of(st.sampled_from(LANGUAGES), st.text(max_size=8)),
    tab_size=st.integers(-3, 40),
    insert_spaces=st.booleans(),
)
def test_filters_do_not_raise_on_any_text(
    prefix: str, suffix: str, completion: str, language: str, tab_size: int, insert_spaces: bool
) -> None:
    ctx = make_context(prefix, suffix, language, tab_size=tab_size, insert_spaces=insert_spaces)
    assert isinstance(run_filters(ctx, completion), str)
    assert isinstance(postprocess(prefix, suffix, completion, language, tab_size=tab_size), str)


@PROPERTY_SETTINGS
@given(ctx=contexts(), raw=code_like(16))
def test_output_never_contains_residue(ctx: Context, raw: str) -> None:
    out = run_filters(ctx, raw)
    for residue in ("</think>", "<think>", "<|endoftext|>", "<|fim_middle|>", "\r"):
        assert residue not in out


@PROPERTY_SETTINGS
@given(ctx=contexts(), raw=code_like(16))
def test_single_line_mode_gives_one_line(ctx: Context, raw: str) -> None:
    if ctx.single_line:
        assert "\n" not in run_filters(ctx, raw)


@PROPERTY_SETTINGS
@given(prefix=code_like(), suffix=code_like(), raw=code_like(16), language=st.sampled_from(LANGUAGES),
       tab_size=st.integers(1, 8), insert_spaces=st.booleans())
def test_facts_computed_before_the_answer_change_nothing(
    prefix: str, suffix: str, raw: str, language: str, tab_size: int, insert_spaces: bool
) -> None:
    """The completion service computes the cursor's facts while the model works (`cursor_context`): the
    answer is the same as when `postprocess` computes them itself, and no filter computes a fact about the
    cursor that `CURSOR_FACTS` leaves out."""
    ctx = cursor_context(prefix, suffix, language, tab_size=tab_size, insert_spaces=insert_spaces)
    assert ctx is not None
    computed = set(vars(ctx))  # cached properties live in the instance's __dict__
    assert set(CURSOR_FACTS) <= computed
    plain = postprocess(prefix, suffix, raw, language, tab_size=tab_size, insert_spaces=insert_spaces)
    assert postprocess(prefix, suffix, raw, language, tab_size=tab_size, insert_spaces=insert_spaces,
                       context=ctx) == plain
    later = {name for name in set(vars(ctx)) - computed if not name.startswith("_")}
    assert not later, f"facts computed only after the answer came: {later}"


def test_postprocess_survives_hostile_arguments() -> None:
    weird = "\ud800\x00\r\n\r" * 50
    assert isinstance(postprocess(weird, weird, weird, "python"), str)
    assert postprocess("", "", "", "") == ""
    assert isinstance(postprocess("x" * 300_000, "y" * 300_000, "z" * 100_000, "rust"), str)
    assert postprocess("def f():\n    ", "", "return 1", "python", tab_size=0) == "return 1"


def test_filters_run_in_the_documented_order() -> None:
    assert [name for name, _ in FILTERS] == [
        "reasoning", "chat_wrapping", "prefix_echo", "degenerate", "indentation", "scope",
        "suffix_overlap", "brackets", "trailing",
    ]
