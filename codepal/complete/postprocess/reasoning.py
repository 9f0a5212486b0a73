"""Filter 1: drop reasoning residue and special tokens.

DeepSeek-R1 distills think before answering; on /v1/completions the `<think>` block (or only its closing
tag) can leak into the text, and sampling may run past an end-of-sequence token.
"""

from __future__ import annotations

import re

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.text import until_stable

# Tokens after which the model was no longer writing this completion.
_END_TOKENS = re.compile(
    r"<\|(?:endoftext|im_end|im_start|eot_id|end_of_text|fim_pad|file_sep|fim_prefix|fim_suffix|repo_name)\|>"
    r"|<｜(?:end▁of▁sentence|User|Assistant|fim▁begin|fim▁hole)｜>|<EOT>"
)
# Any other special token (`<|fim_middle|>`, `<｜begin▁of▁sentence｜>`, ...) is dropped in place.
_SPECIAL = re.compile(r"<\|[A-Za-z0-9_.▁-]{1,40}\|>|<｜[^｜\n]{1,40}｜>")


def _step(ctx: Context, text: str) -> str:
    close = text.rfind("</think>")
    if close >= 0:
        # The answer after a thinking block starts with layout newlines, not with code.
        text = text[close + len("</think>") :].lstrip("\n")
    opened = text.find("<think>")
    if opened >= 0:  # thinking that never finished: nothing after it is an answer
        text = text[:opened]
    end = _END_TOKENS.search(text)
    if end:
        text = text[: end.start()]
    return _SPECIAL.sub("", text)


def strip_reasoning(ctx: Context, text: str) -> str:
    return until_stable(_step, ctx, text)
