"""The post-processing pipeline: raw model output in, text to insert at the cursor out."""

from __future__ import annotations

import logging
from collections.abc import Callable

from codepal.complete.postprocess.brackets import balance_brackets
from codepal.complete.postprocess.context import WINDOW, Context, make_context
from codepal.complete.postprocess.degenerate import drop_degenerate
from codepal.complete.postprocess.fences import strip_chat_wrapping
from codepal.complete.postprocess.indentation import normalize_indentation
from codepal.complete.postprocess.prefix_echo import drop_prefix_echo
from codepal.complete.postprocess.reasoning import strip_reasoning
from codepal.complete.postprocess.scope import limit_scope
from codepal.complete.postprocess.suffix_overlap import drop_suffix_overlap
from codepal.complete.postprocess.text import normalize_newlines
from codepal.complete.postprocess.trailing import trim_trailing

_log = logging.getLogger(__name__)

Filter = Callable[[Context, str], str]

# Order matters: unwrap before comparing with the prefix; judge loops on the whole output (the block
# filter would hide them); fix columns before the block filter compares them; cut the block before
# looking for the suffix's lines in its tail.
FILTERS: tuple[tuple[str, Filter], ...] = (
    ("reasoning", strip_reasoning),
    ("chat_wrapping", strip_chat_wrapping),
    ("prefix_echo", drop_prefix_echo),
    ("degenerate", drop_degenerate),
    ("indentation", normalize_indentation),
    ("scope", limit_scope),
    ("suffix_overlap", drop_suffix_overlap),
    ("brackets", balance_brackets),
    ("trailing", trim_trailing),
)

# A completion is at most a few hundred tokens; more is a runaway and only costs time.
MAX_COMPLETION_CHARS = 16_000


def run_filters(ctx: Context, completion: str) -> str:
    """All filters in order, without the safety net (tests call this to see real exceptions)."""
    text = normalize_newlines(completion[:MAX_COMPLETION_CHARS])
    for _name, step in FILTERS:
        text = step(ctx, text)
        if not text:
            return ""
    return text


def cursor_context(
    prefix: str, suffix: str, language: str, *, tab_size: int = 4, insert_spaces: bool = True
) -> Context | None:
    """The filters' view of the cursor with its facts computed, for `postprocess(..., context=)`: none
    depends on the answer, so the completion service builds it while the model works instead of after
    the answer arrives. None when it cannot be built (`postprocess` then tries again and drops the
    suggestion, as it would have)."""
    try:
        ctx = make_context(prefix, suffix, language, tab_size=tab_size, insert_spaces=insert_spaces)
    except Exception:
        _log.debug("post-processing context failed", exc_info=True)
        return None
    ctx.compute_facts()
    return ctx


def postprocess(
    prefix: str,
    suffix: str,
    completion: str,
    language: str,
    *,
    tab_size: int = 4,
    insert_spaces: bool = True,
    context: Context | None = None,
) -> str:
    """The text to insert at the cursor for one raw model output; '' means show nothing.

    `prefix`/`suffix` are the whole document before/after the cursor. Line breaks in the result follow
    the document's. `context`: `cursor_context()` of the same arguments, built earlier (the answer is
    the same with or without it). Never raises: a bug here must not break typing, so it costs one
    suggestion."""
    try:
        ctx = context if context is not None else make_context(prefix, suffix, language, tab_size=tab_size,
                                                               insert_spaces=insert_spaces)
        text = run_filters(ctx, completion)
        eol = document_eol(prefix, suffix)
        return text.replace("\n", eol) if eol != "\n" else text
    except Exception:
        _log.debug("post-processing failed; suggestion dropped", exc_info=True)
        return ""


def document_eol(prefix: str, suffix: str) -> str:
    """The line break nearest the cursor: `\\r\\n`, `\\r` or `\\n` (the default)."""
    tail = prefix[-WINDOW:]
    k = max(tail.rfind("\n"), tail.rfind("\r"))
    if k >= 0:
        if tail[k] == "\n":
            return "\r\n" if k > 0 and tail[k - 1] == "\r" else "\n"
        after = tail[k + 1 : k + 2] or suffix[:1]
        return "\r\n" if after == "\n" else "\r"
    head = suffix[:WINDOW]
    k = min((i for i in (head.find("\n"), head.find("\r")) if i >= 0), default=-1)
    if k < 0:
        return "\n"
    if head[k] == "\r":
        return "\r\n" if head[k + 1 : k + 2] == "\n" else "\r"
    return "\n"
