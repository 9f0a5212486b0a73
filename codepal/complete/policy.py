"""Request policy: adaptive debounce and latest-wins per document.

A newer request for the same document cancels the older one wherever it is (waiting out the debounce
or streaming from the model: cancelling closes the HTTP stream so vLLM stops generating).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

FAST_TYPING_S = 0.25  # keystrokes closer than this mean the user is still typing
MAX_DEBOUNCE_S = 0.3


class LatestWins:
    def __init__(self, base_debounce_ms: int = 40) -> None:
        self.base_s = base_debounce_ms / 1000
        self.cancelled = 0
        self._running: dict[str, asyncio.Task[object]] = {}
        self._last_at: dict[str, float] = {}
        self._gap_s: dict[str, float] = {}
        self.model_latency_s = 0.1  # smoothed; a fast server earns a short debounce

    def debounce_for(self, key: str) -> float:
        """Short when typing is slow or the server is fast; longer while keystrokes come quickly."""
        gap = self._gap_s.get(key)
        if gap is None or gap > FAST_TYPING_S:
            return self.base_s
        wait = max(self.base_s, gap * 1.5, min(self.model_latency_s, MAX_DEBOUNCE_S) * 0.5)
        return min(wait, MAX_DEBOUNCE_S)

    def note_latency(self, seconds: float) -> None:
        self.model_latency_s = 0.8 * self.model_latency_s + 0.2 * seconds

    async def run(self, key: str, work: Callable[[], Awaitable[T]], debounce: bool = True) -> T | None:
        """Run `work` after the debounce; None when a newer call for `key` superseded this one.

        The work runs in an inner task so that a newer request cancels only that, never the caller's
        task; if the caller itself is cancelled (`$/cancelRequest`), the inner task goes with it.
        """
        now = time.monotonic()
        if key in self._last_at:
            gap = now - self._last_at[key]
            self._gap_s[key] = gap if key not in self._gap_s else 0.5 * self._gap_s[key] + 0.5 * gap
        self._last_at[key] = now
        self.cancel(key)
        delay = self.debounce_for(key) if debounce else 0.0

        async def debounced() -> T:
            if delay:
                await asyncio.sleep(delay)
            return await work()

        inner: asyncio.Task[T] = asyncio.ensure_future(debounced())
        self._running[key] = inner
        caller = asyncio.current_task()
        try:
            result = await inner
            if caller is not None and caller.cancelling():
                # The caller's cancel was handed to `inner`, which finished anyway (its answer was
                # complete, or a library swallowed the cancel): the caller still ends cancelled.
                raise asyncio.CancelledError
            return result
        except asyncio.CancelledError:
            if caller is not None and caller.cancelling():
                raise
            return None  # superseded by a newer request
        finally:
            if self._running.get(key) is inner:
                del self._running[key]

    def cancel(self, key: str) -> None:
        task = self._running.pop(key, None)
        if task is not None and not task.done():
            task.cancel()
            self.cancelled += 1
