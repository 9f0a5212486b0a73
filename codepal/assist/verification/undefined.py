"""A problem that names an undefined name: the fixed document must define or import it (or stop using it)."""

from __future__ import annotations

import re

from codepal.assist.placement.names import name_uses

_PATTERNS = [
    re.compile(r"name '(\w+)' is not defined"),  # Python NameError
    re.compile(r"undefined name '(\w+)'"),  # pyflakes
    re.compile(r"\"(\w+)\" is not defined"),  # pyright
    re.compile(r"\b(\w+) is not defined"),  # JavaScript ReferenceError
    re.compile(r"Cannot find name '(\w+)'"),  # TypeScript
    re.compile(r"undefined: (\w+)"),  # Go
    re.compile(r"cannot find (?:value|function|type|macro|crate|struct) `(\w+)`"),  # Rust
]


def undefined_names(message: str) -> list[str]:
    names: list[str] = []
    for pattern in _PATTERNS:
        for name in pattern.findall(message):
            if name not in names:
                names.append(name)
    return names


def still_undefined(fixed: str, language: str, message: str, context: str = "") -> str | None:
    """The first name the problem calls undefined that `fixed` still uses without binding it."""
    for name in undefined_names(message):
        bound, used = name_uses(fixed, language, name)
        if used and not bound and not (context and name_uses(context, language, name)[0]):
            return name
    return None
