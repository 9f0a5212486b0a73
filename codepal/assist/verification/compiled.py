"""Python through `compile()`: it rejects what tree-sitter accepts (`return` outside a function, a
misplaced `await`, duplicate arguments). Notebook magics are blanked first; top-level `await` is allowed."""

from __future__ import annotations

import ast
import re
import warnings

_MAGIC = re.compile(r"^([ \t]*)[%!].*$", re.MULTILINE)


def compile_error(text: str) -> tuple[str, int] | None:
    """(the message, 0-based line) of the first compile error, or None."""
    if text.lstrip().startswith("%%"):  # a cell magic: the body is not Python
        return None
    source = _MAGIC.sub(lambda m: m.group(1) + "pass", text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not errors
            compile(source, "<fix>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:  # IndentationError and TabError are SyntaxErrors
        return exc.msg, max(0, (exc.lineno or 1) - 1)
    except ValueError as exc:  # null bytes
        return str(exc), 0
    return None
