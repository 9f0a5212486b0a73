"""Prompt templates as data files, rendered with `{name}` placeholders.

Following DeepSeek's advice for R1 models there is no system prompt: every instruction is in the user
message. Substitution is one pass over the template only, so braces in the user's code are never read
as placeholders.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@cache
def template(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **values: str) -> str:
    """`name`.txt with every `{key}` replaced; a placeholder without a value is a programming error."""
    text = template(name)
    missing = {m.group(1) for m in _PLACEHOLDER.finditer(text)} - values.keys()
    if missing:
        raise KeyError(f"prompt {name!r} needs {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
