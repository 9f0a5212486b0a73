"""Filter 7: never emit closers the document does not need.

When the rest of the cursor line closes brackets (or the string the cursor is in), the completion
stops before its first closer of text outside it: `foo(█)` + `a, b)` → `a, b`, and `foo(█)` + `a) + b`
→ `a` (what came after the model's `)` belongs after the suffix's). Otherwise each closer of text
outside the completion must match the brackets open at the cursor, innermost first; those that do
not are deleted (`parseInt(█` + `text, 10));` → `text, 10);`). A one-line completion also loses a
final `;`/`,` that the rest of the line starts with.
"""

from __future__ import annotations

from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.lexer import CODE
from codepal.complete.postprocess.text import PAIRS


def balance_brackets(ctx: Context, text: str) -> str:
    return _drop_separators(ctx, _balance(ctx, text))


def _drop_separators(ctx: Context, text: str) -> str:
    """`let c = █;` + `'x';` → `'x'`: a trailing `;` or `,` the rest of the line starts with."""
    first = ctx.line_suffix.lstrip()[:1]
    if first not in (";", ",") or "\n" in text:
        return text
    body = text.rstrip()
    if not body.endswith(first):
        return text
    body = body.rstrip(first + " \t")
    return body if ctx.scan(body).state == CODE else text


def _balance(ctx: Context, text: str) -> str:
    unmatched = ctx.scan(text).unmatched
    if not unmatched:
        return text
    if ctx.suffix_closers:
        return text[: unmatched[0][0]]
    still_open = list(ctx.open_brackets)
    extra: list[tuple[int, str]] = []
    for pos, closer in unmatched:
        if not still_open:
            if not ctx.prefix_complete:
                break  # the prefix window does not show how deep the cursor is; trust the model
            extra.append((pos, closer))
        elif PAIRS.get(closer, closer) == still_open[-1]:
            still_open.pop()
        else:
            extra.append((pos, closer))
    # Deleting closers that matched nothing leaves the completion's own nesting as it was.
    for pos, closer in reversed(extra):
        text = text[:pos] + text[pos + len(closer) :]
    return text
