"""A completion request at the model while the user types on: type-through on a running stream.

A request goes out when the user seems to pause; when the next key comes while the model is still
streaming, the answer used to be thrown away (the stream closed, vLLM aborting it). When what the user
typed is what the model has produced so far, the answer is still good: the stream is kept, and the
next request at the new cursor waits for it and gets the rest of it, as it would from a suggestion
already shown (the type-through cache). When they differ, the stream is closed at the edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from codepal.complete.healing import restore


@dataclass
class Flight:
    """One completion request at the model, for the cursor between `prefix` and `suffix`."""

    prefix: str
    suffix: str
    healed: str = ""  # whitespace left out of the prompt (`healing`): the stream writes it again first
    raw: str = ""  # what the model has streamed so far
    typed: str = ""  # what the user has typed at its cursor since it was asked (while it agrees)
    tokens: int = 0  # streamed pieces with text so far

    def typed_in(self, text: str) -> str | None:
        """What was typed at this cursor to turn the document into `text`; None when `text` is not this
        document with an insertion at the cursor (a deletion, an edit elsewhere)."""
        if len(text) < len(self.prefix) + len(self.suffix):
            return None
        if not text.startswith(self.prefix) or not text.endswith(self.suffix):
            return None
        return text[len(self.prefix): len(text) - len(self.suffix)]

    def typed_at(self, prefix: str, suffix: str) -> str | None:
        """What was typed at this cursor to reach the cursor between `prefix` and `suffix`, or None."""
        if suffix != self.suffix or not prefix.startswith(self.prefix):
            return None
        return prefix[len(self.prefix):]

    def produced(self) -> str:
        """The streamed text as it would go in at the cursor ("" until the model has written past the
        whitespace it was spared)."""
        if len(self.raw) <= len(self.healed):
            return ""
        return restore(self.raw, self.healed)

    def agrees(self, typed: str) -> bool:
        """Whether the answer may still be what the user is typing: the model has written something, and
        one of the two begins with the other. Nothing written yet: a new request costs no more (no token
        is thrown away) and asks about the cursor as it is now."""
        produced = self.produced()
        return bool(produced) and (produced.startswith(typed) or typed.startswith(produced))
