"""Undefined names. A problem that names one: the fixed document must define or import it (or stop using
it). In Python, also a name the fix brings in that nothing binds: a helper or constant the answer defined
at module level (dropped as an extra), an import it forgot, or a typo."""

from __future__ import annotations

import builtins
import re

from codepal.assist.placement.names import identifier_uses, name_uses
from codepal.languages import family_of

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


_STAR = re.compile(r"^[ \t]*from[ \t]+\S+[ \t]+import[ \t]+\*", re.MULTILINE)
_PYTHON_KNOWN = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "display", "get_ipython"}


def new_unbound(original: str, fixed: str, language: str, context: str = "") -> str | None:
    """Python: the first name `fixed` uses that neither `original` nor `context` mentions and that
    nothing in `fixed` or `context` binds. Names the original already used are left alone: they may
    come from a star import or an earlier notebook cell."""
    if family_of(language) != "python" or _STAR.search(original) or _STAR.search(context):
        return None  # a star import may bind anything
    before = identifier_uses(original, language)
    after = identifier_uses(fixed, language)
    around = identifier_uses(context, language) if context.strip() else {}
    for name, (bound, used) in after.items():
        if used and not bound and name not in before and name not in around and name not in _PYTHON_KNOWN:
            return name
    return None
