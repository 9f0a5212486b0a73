"""`codepal.explain` and `codepal.fix`: target → one core stream with progress → shown / applied.

Each runs under the request's id in the server's task map, so `$/cancelRequest` or the progress's
cancel button cancels it end to end (the model stream is closed, vLLM aborts); it then answers -32800.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled

from codepal.assistant import Assistant
from codepal.types import AssistEvent, ExplainResult, FixResult

from ..errors import EngineNotReady, to_jsonrpc
from ..progress import ThinkingProgress
from ..server import CodepalServer
from .apply import apply_fix
from .show import show_explanation
from .target import Target, parse_target

R = TypeVar("R", ExplainResult, FixResult)


async def explain(ls: CodepalServer, args: tuple[Any, ...]) -> dict[str, Any]:
    target = await parse_target(ls, args)
    assistant = _ready(ls, target)
    with ls.tasks.track(ls.protocol.msg_id), _as_jsonrpc():
        progress = await ThinkingProgress.begin(ls, "codepal: Explain", f"{target.title}: waiting for the model…")
        result = await _run(assistant.explain(target.span), progress, ExplainResult)
        shown = await show_explanation(ls, target, result.markdown)
        return {"markdown": result.markdown, "shownIn": shown, **token_counts(result)}


async def fix(ls: CodepalServer, args: tuple[Any, ...]) -> dict[str, Any]:
    target = await parse_target(ls, args)
    assistant = _ready(ls, target)
    with ls.tasks.track(ls.protocol.msg_id), _as_jsonrpc():
        progress = await ThinkingProgress.begin(ls, "codepal: Fix", f"{target.title}: waiting for the model…")
        result = await _run(assistant.fix(target.span, target.problem), progress, FixResult)
        outcome = await apply_fix(ls, target, result)
        return {**outcome, "answerFormat": result.answer_format, **token_counts(result)}


def token_counts(result: ExplainResult | FixResult) -> dict[str, Any]:
    return {"thinkingTokens": result.thinking_tokens, "answerTokens": result.answer_tokens,
            "tokensExact": result.tokens_exact}


def _ready(ls: CodepalServer, target: Target) -> Assistant:
    if not target.span.text[target.span.start:target.span.end].strip():
        raise JsonRpcInvalidParams(f"codepal: there is no code at {target.title}")
    assistant = ls.assistant
    if assistant is None or not assistant.link.ready:
        detail = f"{assistant.link.state.value}: {assistant.link.message}" if assistant else "not started"
        raise EngineNotReady(f"codepal: the model server is not ready ({detail})")
    return assistant


async def _run(stream: AsyncIterator[AssistEvent], progress: ThinkingProgress, kind: type[R]) -> R:
    """Drain a core stream into progress reports; its one final result. Leaving early (a cancel, an
    error) closes the stream, which closes the HTTP stream."""
    final: R | None = None
    try:
        async for event in stream:
            progress.update(event)
            if isinstance(event, kind):
                final = event
    except asyncio.CancelledError:
        progress.end("cancelled")
        raise
    except BaseException as exc:
        progress.end(f"failed: {exc}")
        raise
    finally:
        await stream.aclose()  # type: ignore[attr-defined]  # the core's streams are async generators
    if final is None:
        progress.end("failed: no result")
        raise RuntimeError("the core's stream ended without a result")
    progress.end(f"done ({progress.thinking_tokens} thinking tokens, {progress.answer_tokens} answer tokens)")
    return final


@contextlib.contextmanager
def _as_jsonrpc() -> Iterator[None]:
    """A cancel answers -32800; core errors their JSON-RPC codes (lsp/errors.py)."""
    try:
        yield
    except asyncio.CancelledError:
        raise JsonRpcRequestCancelled("codepal: cancelled") from None
    except JsonRpcException:
        raise
    except Exception as exc:
        raise to_jsonrpc(exc) from exc
