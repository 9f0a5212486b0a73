"""Split R1-style `<think>…</think>` text into thinking and answer, across chunk boundaries."""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


class ThinkSplitter:
    """Feed raw text chunks; get (thinking, answer) deltas.

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
                if stripped.startswith(OPEN):
                    self.thinking = True
                    text = stripped[len(OPEN):]
                    self._at_start = False
                    continue
                if OPEN.startswith(stripped):
                    self._pending = text
                    return "", ""
            self._at_start = False
            tag = CLOSE if self.thinking else OPEN
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
    """Split a whole answer at once."""
    splitter = ThinkSplitter(starts_thinking)
    thinking, answer = splitter.feed(text)
    more_thinking, more_answer = splitter.flush()
    return thinking + more_thinking, answer + more_answer
