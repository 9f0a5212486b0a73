"""Work-done progress for one explain or fix: begin, a few reports a second summarising the model's
thinking ("thinking… 42 tokens · <its last line>"; token counts from the server's token ids where it
sends them, so they are vLLM's own), end. Cancellable: the editor's cancel button
cancels the command's request.

The client's own `workDoneToken` is used when the request carried one (VS Code); otherwise a token is
created with `window/workDoneProgress/create` when the client supports it (Neovim); else no progress.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from lsprotocol import types

from codepal.types import AnswerDelta, AssistEvent, ExplainResult, FixResult, ThinkingDelta

from .protocol import WORK_DONE_TOKEN
from .server import CodepalServer

log = logging.getLogger(__name__)

REPORT_INTERVAL_S = 0.3  # at most ~3 reports a second
LAST_LINE_CHARS = 80
CREATE_TIMEOUT_S = 5.0


class ThinkingProgress:
    def __init__(self, ls: CodepalServer, token: types.ProgressToken | None) -> None:
        self.ls = ls
        self.token = token
        self.thinking_tokens = 0
        self.answer_tokens = 0
        self.reports = 0
        self._tail = ""
        self._last_report = 0.0

    @classmethod
    async def begin(cls, ls: CodepalServer, title: str, message: str) -> ThinkingProgress:
        token = WORK_DONE_TOKEN.get()
        if token is None and _supports_progress(ls):
            token = f"codepal-{uuid.uuid4().hex[:12]}"
            try:
                async with asyncio.timeout(CREATE_TIMEOUT_S):
                    await ls.work_done_progress.create_async(token)
            except Exception as exc:  # a client that refuses or never answers: no progress, same result
                log.info("no work-done progress: %s", exc)
                token = None
        progress = cls(ls, token)
        if token is not None:
            ls.tasks.link(token, ls.protocol.msg_id)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                title=title, message=message, cancellable=True))
        return progress

    def update(self, event: AssistEvent) -> None:
        """Count an event; report a summary if the last report is old enough."""
        if isinstance(event, ThinkingDelta):
            self.thinking_tokens += _count(event.tokens, event.text)
            self._tail = (self._tail + event.text)[-400:]
        elif isinstance(event, AnswerDelta):
            self.answer_tokens += _count(event.tokens, event.text)
        elif isinstance(event, ExplainResult | FixResult):
            # The final counts: exact where the server sent token ids, and they include any tokens
            # of pieces that were not streamed as events.
            self.thinking_tokens, self.answer_tokens = event.thinking_tokens, event.answer_tokens
            return
        else:
            return
        now = time.monotonic()
        if self.token is None or now - self._last_report < REPORT_INTERVAL_S:
            return
        self._last_report = now
        self.reports += 1
        self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(
            message=self.summary(), cancellable=True))

    def summary(self) -> str:
        if self.answer_tokens:
            return f"writing the answer… {_tokens(self.answer_tokens)} (after {self.thinking_tokens} thinking)"
        lines = [line.strip() for line in self._tail.replace("\r", "\n").split("\n") if line.strip()]
        last = lines[-1] if lines else ""
        if len(last) > LAST_LINE_CHARS:
            last = "…" + last[-(LAST_LINE_CHARS - 1):]
        return f"thinking… {_tokens(self.thinking_tokens)}" + (f" · {last}" if last else "")

    def end(self, message: str) -> None:
        if self.token is None:
            return
        self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(self.token, None)  # pygls keeps every token otherwise


def _count(tokens: int | None, text: str) -> int:
    """A delta's tokens: the server's count, else one per delta with text (each has at least one)."""
    return tokens if tokens is not None else int(bool(text))


def _supports_progress(ls: CodepalServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


def _tokens(count: int) -> str:
    return f"{count} token" if count == 1 else f"{count} tokens"
