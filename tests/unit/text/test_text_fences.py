"""Code fences and prose in a model's answer: the patterns the fix and the completion share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codepal.text.fences import (
    Fence,
    after_blocks,
    code_blocks,
    fenced,
    is_preamble,
    is_sentence,
    opening_fence,
    outside_blocks,
    whole_block,
)


@pytest.mark.parametrize(
    ("line", "fence"),
    [
        ("```", Fence("```", "")),
        ("```python", Fence("```", "python")),
        ("  ```Python title='fix.py'", Fence("```", "python")),  # indented, with more info after the tag
        ("~~~~c++", Fence("~~~~", "c++")),
        ("````", Fence("````", "")),
        ("``", None),
        ("x = 1 ```", None),
        ("```python```", None),  # a backtick fence's info string has no backticks
        ("text", None),
    ],
)
def test_opening_fence(line: str, fence: Fence | None) -> None:
    assert opening_fence(line) == fence


def test_closing_fences() -> None:
    ticks, tildes = Fence("```", "python"), Fence("~~~~", "")
    assert ticks.closed_by("```") and ticks.closed_by("  ````  ")
    assert not ticks.closed_by("```python") and not ticks.closed_by("~~~") and not ticks.closed_by("")
    assert not tildes.closed_by("~~~") and tildes.closed_by("~~~~~")
    assert ticks.code_before_close("    return x```") == "    return x"
    assert ticks.code_before_close("    return x``") is None
    assert tildes.code_before_close("return x```") is None


@pytest.mark.parametrize(
    ("answer", "blocks"),
    [
        ("Fix:\n```py\na = 1\n```\nThen:\n~~~\nb = 2\n~~~", [("a = 1", "py", True), ("b = 2", "", True)]),
        ("```js\n\nlet a\n\n```", [("let a", "js", True)]),
        ("```python\nreturn x```\nNote.", [("return x", "python", True)]),
        ("```python\ncut off", [("cut off", "python", False)]),
        ("````md\n```py\nx\n```\n````", [("```py\nx\n```", "md", True)]),
        ("no fences at all", []),
    ],
)
def test_code_blocks(answer: str, blocks: list[tuple[str, str, bool]]) -> None:
    assert [(b.code, b.tag, b.closed) for b in code_blocks(answer)] == blocks


def test_text_around_blocks() -> None:
    answer = "Here is the fix:\n```python\nx = 1\n```\nI set x.\n```\ny\n```\nDone."
    assert after_blocks(answer) == "Done."
    assert outside_blocks(answer) == "Here is the fix:\nI set x.\nDone."
    assert after_blocks("```python\nx = 1") == ""  # the block never closed: nothing after it
    assert after_blocks("prose only") == ""
    assert outside_blocks("a\n```\ncode") == "a"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('\n```json\n{"code": "x"}\n```\n', '{"code": "x"}'),
        ('~~~~\n{"code": "a\n```\nb"}\n~~~~', '{"code": "a\n```\nb"}'),  # a fence-like line inside stays
        ('Here:\n```json\n{}\n```', None),  # prose before it
        ('```json\n{}\n```\nDone.', None),  # prose after it
        ('```json\n{}', None),  # never closed
        ('```\n', None),
    ],
)
def test_whole_block(text: str, code: str | None) -> None:
    block = whole_block(text)
    assert (block.code if block else None) == code


@pytest.mark.parametrize(
    ("code", "block"),
    [
        ("x = 1", "```python\nx = 1\n```"),
        ('md = "```"', '````python\nmd = "```"\n````'),
        ("a ````` b", "``````python\na ````` b\n``````"),
    ],
)
def test_fenced(code: str, block: str) -> None:
    assert fenced(code, "python") == block


@given(st.text(alphabet=st.sampled_from(["`", "~", "a", " ", "\n", "p"])))
def test_fenced_code_comes_back_whole(code: str) -> None:
    code = code.strip("\n")  # a block's code is taken without its blank edges
    assert [b.code for b in code_blocks(fenced(code))] == [code]


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        ("Here is the corrected code:", True),
        ("I changed the minus to a plus.", True),
        ("The  function   returns early.", True),  # spacing as models write it
        ("return a + b", False),
        ("Fix:", False),
        ("x = compute(a, b).", False),
    ],
)
def test_is_sentence(line: str, sentence: bool) -> None:
    assert is_sentence(line) is sentence


@pytest.mark.parametrize(
    ("line", "preamble"),
    [
        ("Sure! Here is the code:", True),
        ("Here's the completed function:", True),
        ("The completed code:", True),
        ("Let me finish it:", True),
        ("ok = True", False),
        ("okay.append(1)", False),
        ("return sure", False),
    ],
)
def test_is_preamble(line: str, preamble: bool) -> None:
    assert is_preamble(line) is preamble
