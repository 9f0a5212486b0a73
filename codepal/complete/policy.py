"""Request policy: adaptive debounce and latest-wins per document.

A newer request for the same document cancels the older one wherever it is (waiting out the debounce
or streaming from the model: cancelling closes the HTTP stream so vLLM stops generating). One that the
user is typing through (`flight`) is kept: its caller's cancel no longer stops it, a newer request
that needs the model still does.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

TYPING_GAP_S = 0.45  # keystrokes closer than this are typing; a longer gap is a pause
MAX_DEBOUNCE_S = 0.3
_SMOOTHING = 0.3  # weight of the newest gap in the running estimates
_RECENT_GAPS = 12  # the wait is at least a little over the longest of the last this many gaps
_OVER_RECENT = 1.1


class LatestWins:
    def __init__(self, base_debounce_ms: int = 40) -> None:
        self.base_s = base_debounce_ms / 1000
        self.cancelled = 0
        self._running: dict[str, asyncio.Task[object]] = {}
        self._kept: set[asyncio.Task[object]] = set()  # running on after their caller was cancelled
        self._last_at: dict[str, float] = {}
        # The user's rhythm while typing (pauses left out): mean gap and mean deviation. It belongs to
        # the user, not the document: a document just opened gets it from the first keystroke.
        self._gap_mean: float | None = None
        self._gap_dev = 0.0
        # The smoothed estimates lag when the rhythm slows (a burst of quick keys, then normal typing)
        # and dip after a run of even gaps: each dip sends a request between two keys, which the next
        # key aborts. The longest recent gap holds the wait up at once and for a dozen keys.
        self._recent: deque[float] = deque(maxlen=_RECENT_GAPS)
        self.model_latency_s = 0.1  # smoothed; a fast server earns a short debounce

    def debounce_for(self, key: str) -> float:
        """How long to wait for the next keystroke before asking the model. Someone who types keeps
        their own rhythm: the wait is the gap a keystroke rarely exceeds while they type (the mean
        plus 3 mean deviations, about the 97th percentile, at least 1.5 means, and a little over the
        longest of the last few gaps), so a request goes out when they pause, not between two keys
        (then it is thrown away). The rhythm is learned from gaps shorter than TYPING_GAP_S (in any
        document); before any, the base wait."""
        mean = self._gap_mean
        if mean is None:
            return self.base_s
        wait = max(self.base_s, 1.5 * mean, mean + 3 * self._gap_dev, _OVER_RECENT * max(self._recent),
                   min(self.model_latency_s, MAX_DEBOUNCE_S) * 0.5)
        return min(wait, MAX_DEBOUNCE_S)

    def note_latency(self, seconds: float) -> None:
        self.model_latency_s = 0.8 * self.model_latency_s + 0.2 * seconds

    def _note_keystroke(self, key: str, now: float) -> None:
        last = self._last_at.get(key)
        self._last_at[key] = now
        if last is None or now - last > TYPING_GAP_S:
            return  # the first keystroke, or one after a pause: says nothing about the rhythm
        gap = now - last
        self._recent.append(gap)
        mean = self._gap_mean
        if mean is None:
            self._gap_mean, self._gap_dev = gap, gap / 4
            return
        self._gap_dev += _SMOOTHING * (abs(gap - mean) - self._gap_dev)
        self._gap_mean = mean + _SMOOTHING * (gap - mean)

    async def run(self, key: str, work: Callable[[], Awaitable[T]], keystroke: bool = True) -> T | None:
        """Run `work` after the debounce; None when a newer call for `key` superseded this one. A call
        that is no `keystroke` (the user asked explicitly) neither waits nor teaches the typing rhythm:
        requests asked back to back would otherwise read as fast typing and each wait out a debounce.

        The work runs in an inner task so that a newer request cancels only that, never the caller's
        task; if the caller itself is cancelled (`$/cancelRequest`), the inner task goes with it, unless
        it was kept (`keep`): then it runs to its end for whoever is typing through it.
        """
        if keystroke:
            self._note_keystroke(key, time.monotonic())
        self.cancel(key)
        delay = self.debounce_for(key) if keystroke else 0.0
        # The caller waits on `answer`, not on the inner task: cancelling the caller cancels only
        # `answer` (as `asyncio.shield` would), and the work's result reaches it in the inner task's
        # last step, two event-loop iterations sooner than through the task's done-callbacks and a
        # shield (each iteration costs on a process that was idle). Failures and cancels come through
        # the done-callback.
        answer: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        async def debounced() -> T:
            if delay:
                await asyncio.sleep(delay)
            result = await work()
            if not answer.done():
                answer.set_result(result)
            return result

        inner: asyncio.Task[T] = asyncio.ensure_future(debounced())
        self._running[key] = inner
        inner.add_done_callback(lambda task: self._forget(key, task))
        inner.add_done_callback(lambda task: _relay(task, answer))
        caller = asyncio.current_task()
        try:
            result = await answer
            if caller is not None and caller.cancelling():
                # The caller was cancelled as the inner task finished (its answer was complete): the
                # caller still ends cancelled.
                raise asyncio.CancelledError
            return result
        except asyncio.CancelledError:
            if caller is not None and caller.cancelling():
                if inner not in self._kept:
                    self._stop(inner)
                raise
            return None  # superseded by a newer request

    def running(self, key: str) -> asyncio.Task[object] | None:
        task = self._running.get(key)
        return task if task is not None and not task.done() else None

    def keep(self, key: str) -> bool:
        """Let the running work for `key` outlive its caller's cancel (the user is typing what it
        produces). False when nothing runs for `key`."""
        task = self.running(key)
        if task is not None:
            self._kept.add(task)
        return task is not None

    def cancel(self, key: str) -> None:
        task = self._running.pop(key, None)
        if task is not None and self._stop(task):
            self.cancelled += 1

    @staticmethod
    def _stop(task: asyncio.Task[Any]) -> bool:
        """Cancel `task` once. A second cancel would land in its clean-up, where the model's HTTP stream
        is being closed: the close is then given up, the connection stays open and vLLM generates the
        whole answer for nobody (an edit, the editor's `$/cancelRequest` and the next request all stop
        the same request, in whatever order they arrive)."""
        if task.done() or task.cancelling():
            return False
        task.cancel()
        return True

    def _forget(self, key: str, task: asyncio.Task[Any]) -> None:
        self._kept.discard(task)
        if self._running.get(key) is task:
            del self._running[key]


def _relay(task: asyncio.Task[T], answer: asyncio.Future[T]) -> None:
    """The end of `task` to `answer`, unless its result is there already (or its waiter was cancelled)."""
    if answer.done():
        return
    if task.cancelled():
        answer.cancel()
    elif (error := task.exception()) is not None:
        answer.set_exception(error)
    else:
        answer.set_result(task.result())
