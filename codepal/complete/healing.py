"""Token healing at the cursor: the prompt never ends in the whitespace the user just typed.

Tokenizers glue whitespace to the token after it: a space to the word (` x`), a line break to the next
line's indentation (`\\n    ` is one token, then ` return`). So a model almost never sees a prompt end
in a space, or in a bare line break before indented code. Asked to continue `x = ` or a fresh line's
indentation, a small model answers as if the line were over: a newline, a digit, a comment. On real code
(the quality benchmark, SmolLM2-135M) the model's raw output got 1 of 323 removed characters right after
a trailing space, against 119 of 355 without one, and began a fresh indented line with a line break 22
times in 35; ending the prompt with the bare line break instead, it often began the line with `#`.

So the prompt stops before that whitespace: after a space on a line with code, only the spaces and
tabs; on a fresh line (only indentation before the cursor), everything back to the last line with
text. The model writes it again as part of its first token, and it is taken off the answer, which then
continues at the cursor.
"""

from __future__ import annotations

_BLANKS = " \t"
_WHITESPACE = " \t\r\n"


def heal(prefix: str) -> tuple[str, str]:
    """(the prefix the prompt ends with, the whitespace taken off its end)."""
    kept = prefix.rstrip(_BLANKS)
    if kept.endswith(("\n", "\r")):  # a fresh line: back to the end of the last line with text
        kept = kept.rstrip(_WHITESPACE)
    return kept, prefix[len(kept):]


def _last_line(whitespace: str) -> str:
    return whitespace[max(whitespace.rfind("\n"), whitespace.rfind("\r")) + 1:]


def restore(text: str, healed: str) -> str:
    """The model's continuation of the healed prompt, as text to insert at the cursor."""
    if not healed or text.startswith(healed):
        return text[len(healed):]
    stripped = text.lstrip(_WHITESPACE if "\n" in healed or "\r" in healed else _BLANKS)
    lead = text[: len(text) - len(stripped)]
    if "\n" not in healed and "\r" not in healed:
        # On a line with code. Less of the blanks than the user typed (a shallower indentation than the
        # editor put there): the code still goes at the cursor. None and something else (a closer, a
        # line break): that is the model's answer, unchanged.
        return text[len(lead):] if lead and healed.startswith(lead) else text
    if "\n" not in lead and "\r" not in lead:
        # No line break first: a server that does not continue the prompt (a scripted or remote one
        # answering with the line itself). Its text goes at the cursor, as it would without healing.
        return stripped
    want, got = _last_line(healed), _last_line(lead)
    if got.startswith(want):
        return got[len(want):] + stripped  # at the cursor's column or deeper; blank lines as the user has
    # Shallower than the cursor: the model ended the cursor's block. Unchanged, post-processing sees the
    # answer start on a later, dedented line and shows nothing.
    return text
