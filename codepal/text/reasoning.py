"""Reasoning and special tokens in a model's text: the one home of the thinking tags, the special-token
patterns and the functions that split or strip them.

R1-style models think first (`<think>…</think>`), and their chat template may already end the prompt with
`<think>\\n`, so the output can hold a `</think>` without its opening tag. vLLM drops special tokens from the
text, but other servers (or a sampling run past the end token) can leave `<｜end▁of▁sentence｜>`,
`<|im_end|>`, `<|endoftext|>` and the like in it.
"""

from __future__ import annotations

import re

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

# Tokens after which the model was no longer writing this answer: ends of sequence or turn, a new turn's
# role marker, a new FIM request or file. DeepSeek writes `<｜…｜>` (full-width bars, `▁` for spaces);
# Qwen, SmolLM, StarCoder and Llama 3 `<|…|>`; CodeLlama's infill ends with `<EOT>`.
END_TOKENS = re.compile(
    r"<\|(?:endoftext|end_of_text|im_end|im_start|eot_id|EOT|end|user|assistant|system"
    r"|fim_pad|file_sep|fim_prefix|fim_suffix|repo_name)\|>"
    r"|<｜(?:end▁of▁sentence|User|Assistant|fim▁begin|fim▁hole)｜>|<EOT>"
)
# Any other special token (`<|fim_middle|>`, `<｜begin▁of▁sentence｜>`, ...) is dropped where it stands.
# Narrow on purpose: `a <| b |> c` or `<div>` in code are not tokens.
SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_.▁-]{1,40}\|>|<｜[^｜\n]{1,40}｜>")

_THINK_BLOCK = re.compile(re.escape(THINK_OPEN) + ".*?" + re.escape(THINK_CLOSE), re.DOTALL)
_THINK_BLOCK_AND_LAYOUT = re.compile(_THINK_BLOCK.pattern + r"\n*", re.DOTALL)


def looks_like_token(text: str) -> bool:
    """A stop string that may be one token of some vocabulary (`<EOT>`, `</s>`, `<|im_end|>`): broader
    than SPECIAL_TOKEN, for asking a tokenizer, never for editing text."""
    return len(text) > 2 and text.startswith("<") and text.endswith(">") and "\n" not in text


def strip_thinking(text: str, drop_layout: bool = False) -> str:
    """Text without its thinking: `<think>…</think>` blocks, everything before a `</think>` whose opening
    tag was in the prompt, and a `<think>` that never closed with all after it (unfinished thinking is not
    an answer). `drop_layout`: also the newlines that follow a `</think>` (the template's layout between
    thinking and answer), for text inserted as it stands, like a completion."""
    text = (_THINK_BLOCK_AND_LAYOUT if drop_layout else _THINK_BLOCK).sub("", text)
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        text = text[close + len(THINK_CLOSE):]
        if drop_layout:
            text = text.lstrip("\n")
    opened = text.find(THINK_OPEN)
    return text[:opened] if opened >= 0 else text


def strip_special_tokens(text: str) -> str:
    """Text up to its first end token, with every other special token dropped."""
    end = END_TOKENS.search(text)
    if end:
        text = text[: end.start()]
    return SPECIAL_TOKEN.sub("", text)


def strip_reasoning(text: str, drop_layout: bool = False) -> str:
    """The answer in a model's text: thinking and special tokens removed, repeated until nothing changes
    (dropping `<|x|>` from `<|fim_<|x|>middle|>` makes a new token), so the result is stable."""
    while True:
        new = strip_special_tokens(strip_thinking(text, drop_layout))
        if new == text:
            return new
        text = new


class ThinkSplitter:
    """Feed raw text chunks; get (thinking, answer) deltas. A tag may be split across chunks.

    `starts_thinking=True` covers chat templates that already end the prompt with `<think>\\n`, so the
    model's output has a `</think>` but no opening tag.
    """

    def __init__(self, starts_thinking: bool = False) -> None:
        self.thinking = starts_thinking
        self.seen_close = False
        self._pending = ""  # a tail that might be the start of a tag
        self._at_start = True

    def feed(self, chunk: str) -> tuple[str, str]:
        text = self._pending + chunk
        self._pending = ""
        thinking_out: list[str] = []
        answer_out: list[str] = []
        while text:
            if self._at_start and not self.thinking:
                stripped = text.lstrip()
                if not stripped:
                    self._pending = text
                    return "", ""
                if stripped.startswith(THINK_OPEN):
                    self.thinking = True
                    text = stripped[len(THINK_OPEN):]
                    self._at_start = False
                    continue
                if THINK_OPEN.startswith(stripped):
                    self._pending = text
                    return "", ""
            self._at_start = False
            tag = THINK_CLOSE if self.thinking else THINK_OPEN
            index = text.find(tag)
            if index >= 0:
                (thinking_out if self.thinking else answer_out).append(text[:index])
                text = text[index + len(tag):]
                if self.thinking:
                    self.seen_close = True
                self.thinking = not self.thinking
                continue
            keep = _partial_tag_suffix(text, tag)
            (thinking_out if self.thinking else answer_out).append(text[: len(text) - keep])
            self._pending = text[len(text) - keep:]
            text = ""
        return "".join(thinking_out), "".join(answer_out)

    def flush(self) -> tuple[str, str]:
        """Whatever was held back waiting for a tag that never came."""
        rest, self._pending = self._pending, ""
        return (rest, "") if self.thinking else ("", rest)


def _partial_tag_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def split_thinking(text: str, starts_thinking: bool = False) -> tuple[str, str]:
    """Split a whole text at once into (thinking, answer)."""
    splitter = ThinkSplitter(starts_thinking)
    thinking, answer = splitter.feed(text)
    more_thinking, more_answer = splitter.flush()
    return thinking + more_thinking, answer + more_answer
