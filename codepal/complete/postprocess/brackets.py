"""Filter 7: never emit closers the document does not need.

When the rest of the cursor line closes brackets (or the string the cursor is in), the completion
stops before a closer of text outside it — the first one after which the line reads right, with the
rest of the line lexed as it will be after the completion (`closers`): `foo(█)` + `a, b)` → `a, b`,
`foo(█)` + `a) + b` → `a` (what came after the model's `)` belongs after the suffix's), and
`KeyError(f"█)` + `bad {k}")` → `bad {k}"`. Otherwise each closer of text
outside the completion must match the brackets open at the cursor, innermost first; those that do
not are deleted (`parseInt(█` + `text, 10));` → `text, 10);`). A one-line completion also loses a
final `;`/`,` that the rest of the line starts with.
"""

from __future__ import annotations

from codepal.complete.postprocess.closers import in_prose, is_string, walk
from codepal.complete.postprocess.context import Context
from codepal.complete.postprocess.lexer import CODE
from codepal.complete.postprocess.text import PAIRS


def balance_brackets(ctx: Context, text: str) -> str:
    # Until nothing changes: a cut at a line break can leave a closer that the shorter text reads
    # differently (`"\█` + `)` with `)```x\n`), and the pipeline must give the same answer twice.
    for _ in range(4):
        balanced = _drop_separators(ctx, _balance(ctx, text))
        if balanced == text:
            break
        text = balanced
    return text


def _cut_for_suffix(ctx: Context, text: str) -> str | None:
    """When the rest of the line closes something once the completion is in, the completion keeps
    only the closers the line still needs: it is cut before one of its closers of outside text, the
    first cut after which the whole line reads right (nothing closed twice, no string left open). The
    rest of the line is read after the completion, so `KeyError(f"█)` + `x")` keeps the quote (the
    `)` after the cursor is code once the string is closed) and `f"{█}"` + `x}"` keeps neither.
    None when the rest of the line closes nothing; when no cut fits, the first cut."""
    frames = ctx.cursor_frames
    cuts = walk(text, ctx.style, frames).closes_outside
    if not cuts:
        return None
    rest = ctx.line_suffix
    closes = [walk(rest, ctx.style, walk(candidate, ctx.style, frames).frames)
              for candidate in (text[: cuts[0]], text)]
    if not any(w.popped or w.excess for w in closes):
        return None  # the rest of the line closes nothing: the completion's closers are needed
    # A cut must not leave a string that was open at the cursor open at the end of the line (even one
    # that may span lines: the completion's own quote said where it ends); the whole text may.
    for cut in [*cuts, len(text)]:
        line = walk(text[:cut] + rest, ctx.style, frames)
        left_open = (cut < len(text) and 0 < len(line.frames) <= len(frames)
                     and is_string(line.frames[-1], ctx.style))
        if not line.excess and not line.broken and not left_open:
            return _tidy(ctx, text[:cut])
    return _tidy(ctx, text[: cuts[0]])


def _tidy(ctx: Context, kept: str) -> str:
    """No space before the rest of the line's own space (`{ a: █ }` + `b }` → `b`), unless it is
    inside a string."""
    stripped = kept.rstrip(" \t")
    if stripped == kept or ctx.line_suffix[:1] not in (" ", "\t") or _in_string(ctx, kept):
        return kept
    return stripped


def _in_string(ctx: Context, kept: str) -> bool:
    frames = walk(kept, ctx.style, ctx.cursor_frames).frames
    return bool(frames) and is_string(frames[-1], ctx.style)


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
    closed_by_suffix = _cut_for_suffix(ctx, text)
    if closed_by_suffix is not None:
        return closed_by_suffix
    unmatched = ctx.scan(text).unmatched
    if in_prose(ctx.cursor_frames, ctx.style) >= 0:  # closers on the comment's own line are prose
        line_end = text.find("\n")
        unmatched = [] if line_end < 0 else [(pos, ch) for pos, ch in unmatched if pos > line_end]
    if not unmatched:
        return text
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
