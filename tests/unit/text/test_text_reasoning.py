"""Reasoning and special tokens: the streaming split of `<think>…</think>`, and the stripping that the chat
answers (fix, explain) and the completions share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codepal.text.reasoning import (
    ThinkSplitter,
    looks_like_token,
    split_thinking,
    strip_reasoning,
    strip_special_tokens,
    strip_thinking,
)


@pytest.mark.parametrize(
    ("text", "starts", "thinking", "answer"),
    [
        ("<think>hmm</think>answer", False, "hmm", "answer"),
        ("  <think>\nhmm\n</think>\n\nanswer", False, "\nhmm\n", "\n\nanswer"),
        ("hmm</think>answer", True, "hmm", "answer"),  # template already opened <think>
        ("plain answer", False, "", "plain answer"),
        ("never ends", True, "never ends", ""),
        ("a < b and </thin", True, "a < b and </thin", ""),
        ("before<think>mid</think>after", False, "mid", "beforeafter"),
    ],
)
def test_split_whole(text: str, starts: bool, thinking: str, answer: str) -> None:
    assert split_thinking(text, starts) == (thinking, answer)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_tags_split_across_chunks(size: int) -> None:
    text = "<think>step one</think>the answer"
    splitter = ThinkSplitter()
    thinking, answer = "", ""
    for i in range(0, len(text), size):
        t, a = splitter.feed(text[i : i + size])
        thinking, answer = thinking + t, answer + a
    t, a = splitter.flush()
    assert (thinking + t, answer + a) == ("step one", "the answer")
    assert splitter.seen_close


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("<think>a</think>\nanswer", "\nanswer"),
        ("thinking\n</think>\n\nanswer", "\n\nanswer"),  # opened in the prompt
        ("answer <think>never closed", "answer "),
        ("before<think>mid</think>after", "beforeafter"),  # the splitter's answer too
        ("a</think>b<think>c</think>d", "bd"),
        ("<think>x</think>", ""),
        ("no tags", "no tags"),
    ],
)
def test_strip_thinking(text: str, answer: str) -> None:
    assert strip_thinking(text) == answer


def test_strip_thinking_drops_the_layout_after_thinking_when_asked() -> None:
    assert strip_thinking("<think>\nplan\n</think>\n\nreturn 1", drop_layout=True) == "return 1"
    assert strip_thinking("plan\n</think>\n    return 1", drop_layout=True) == "    return 1"
    assert strip_thinking("\n    return 1", drop_layout=True) == "\n    return 1"  # no thinking: untouched


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # The end tokens of the models codepal meets: text after them was not this answer.
        ("x = 1<｜end▁of▁sentence｜><｜User｜>next", "x = 1"),  # DeepSeek R1 / Coder
        ("x = 1<|im_end|>\n<|im_start|>user", "x = 1"),  # Qwen, SmolLM (ChatML)
        ("x = 1<|endoftext|>junk", "x = 1"),  # Qwen, StarCoder
        ("x = 1<|eot_id|>", "x = 1"),  # Llama 3
        ("x = 1<|EOT|>", "x = 1"),  # DeepSeek-Coder instruct
        ("x = 1<|end|><|user|>", "x = 1"),  # Phi-3
        ("x = 1<EOT>", "x = 1"),  # CodeLlama infill
        # Other special tokens go where they stand.
        ("<｜begin▁of▁sentence｜>x = 1", "x = 1"),
        ("<|fim_middle|>x = 1", "x = 1"),
        # Text that merely looks alike stays.
        ("x = a <| b |> c", "x = a <| b |> c"),
        ("<div>a</div> and <|", "<div>a</div> and <|"),
        ("<| not\na token |>", "<| not\na token |>"),
    ],
)
def test_strip_special_tokens(text: str, answer: str) -> None:
    assert strip_special_tokens(text) == answer


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("<think>\nplan\n</think>\n\nx = 1<｜end▁of▁sentence｜>", "\n\nx = 1"),
        ("<|fim_<|x|>middle|>a", "a"),  # removing a token must not leave a new one behind
        ("answer<thi<|x|>nk>plan", "answer"),  # nor a thinking tag
        ("```python\nx = 1\n```<｜end▁of▁sentence｜>", "```python\nx = 1\n```"),
    ],
)
def test_strip_reasoning(text: str, answer: str) -> None:
    assert strip_reasoning(text) == answer


PIECES = st.sampled_from(["<think>", "</think>", "<|", "|>", "<｜", "｜>", "im_end", "fim_middle", "\n", "x", " "])


@given(st.lists(PIECES, max_size=12).map("".join), st.booleans())
def test_strip_reasoning_is_stable_and_leaves_no_tag(text: str, drop_layout: bool) -> None:
    once = strip_reasoning(text, drop_layout)
    assert strip_reasoning(once, drop_layout) == once
    assert "<think>" not in once and "</think>" not in once
    assert len(once) <= len(text)


@pytest.mark.parametrize(("stop", "token"), [
    ("<EOT>", True), ("</s>", True), ("<|im_end|>", True), ("<｜end▁of▁sentence｜>", True),
    ("\n\n", False), ("<>", False), ("<a\nb>", False), ("def ", False),
])
def test_looks_like_token(stop: str, token: bool) -> None:
    assert looks_like_token(stop) is token
