"""Filter 1: drop reasoning residue and special tokens.

DeepSeek-R1 distills think before answering; on /v1/completions the `<think>` block (or only its closing
tag) can leak into the text, and sampling may run past an end-of-sequence token. The patterns live in
`codepal.text.reasoning`; a completion is inserted as it stands, so the newlines the template puts between
thinking and answer go too.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.text import reasoning


def strip_reasoning(ctx: Context, text: str) -> str:
    return reasoning.strip_reasoning(text, drop_layout=True)
