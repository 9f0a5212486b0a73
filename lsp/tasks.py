"""Running commands by request id, so that `$/cancelRequest` and a progress cancel reach them.

pygls runs a `workspace/executeCommand` handler as a task of its own behind the request's future and
only cancels a request that has not started: a running explain or fix would keep the model generating.
Here a cancel cancels the task itself; closing the model stream on the way out makes vLLM abort the
sequence, and the command answers -32800 once it has.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pygls.exceptions import JsonRpcRequestCancelled

log = logging.getLogger(__name__)

MsgId = int | str
Token = int | str


class TaskMap:
    def __init__(self, remember: int = 64) -> None:
        self._tasks: dict[MsgId, asyncio.Task[Any]] = {}
        self._tokens: dict[Token, MsgId] = {}
        # Cancels that arrived before their command started running (both can come in one read).
        self._early: deque[MsgId] = deque(maxlen=remember)

    def __len__(self) -> int:
        return len(self._tasks)

    @contextmanager
    def track(self, msg_id: MsgId | None) -> Iterator[None]:
        """Register the current task under `msg_id` for the duration of the block."""
        task = asyncio.current_task()
        if msg_id is None or task is None:
            yield
            return
        if msg_id in self._early:
            self._early.remove(msg_id)
            raise JsonRpcRequestCancelled(f"request {msg_id!r} was cancelled before it started")
        self._tasks[msg_id] = task
        # When pygls has answered the request itself (a shutdown cancels it), nobody reads the task's
        # -32800 exception: read it here, or asyncio logs "Task exception was never retrieved".
        task.add_done_callback(_retrieve)
        try:
            yield
        finally:
            self._tasks.pop(msg_id, None)
            for token in [t for t, m in self._tokens.items() if m == msg_id]:
                del self._tokens[token]

    def link(self, token: Token, msg_id: MsgId | None) -> None:
        """A work-done progress token whose cancel button cancels request `msg_id`."""
        if msg_id is not None:
            self._tokens[token] = msg_id

    def cancel(self, msg_id: MsgId) -> bool:
        """Cancel a tracked command; False (and remembered) when none runs under `msg_id` yet."""
        task = self._tasks.get(msg_id)
        if task is None:
            self._early.append(msg_id)
            return False
        log.info("cancelling request %r", msg_id)
        task.cancel()
        return True

    def cancel_token(self, token: Token) -> bool:
        msg_id = self._tokens.get(token)
        return msg_id is not None and self.cancel(msg_id)


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
