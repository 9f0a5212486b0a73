"""The notebook's live kernel as context: a summary of its namespace, asked for only while it is idle.

One silent execute request per summary (empty code, no history, the probe as a user expression; see
probe.py) on a shell connection of our own. A busy kernel is never asked: its last summary (or none) is
used at once. Fix and explain wait for a fresh summary at most `budget_s`; completions never wait and get
the last one while a new one is fetched in the background. A summary that comes late still refreshes the
cache for the next request. The frontend calls `refresh` when a cell has run, so a summary is usually
ready (and the connection open) before anyone asks.
"""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from codepal.kernel_facts import KernelFacts
from codepal.types import LatencyStats

from .probe import PROBE_EXPRESSION

log = logging.getLogger(__name__)

BUDGET_S = 0.05  # the longest a fix or explain request waits for a summary
KERNEL_BUDGET_S = 0.02  # the probe's own time budget inside the kernel
MAX_SUMMARY_BYTES = 32_000
# Completions reuse a summary this young without asking again: the notebook's own cell runs refresh it at
# once (`refresh`), so this only catches code run elsewhere (a console on the same kernel), while typing
# does not make the kernel's indicator blink every few seconds.
FRESH_S = 30.0
LATE_REPLY_S = 10.0  # a probe still unanswered then is abandoned (its connection closed)
IDLE_WAIT_S = 5.0  # a refresh asked while the kernel is busy waits this long for it to be idle
_EXPRESSION = PROBE_EXPRESSION.replace("BUDGET_S", repr(KERNEL_BUDGET_S)).replace(
    "MAX_BYTES", repr(MAX_SUMMARY_BYTES))


@dataclass
class ContextStats:
    probes: int = 0  # summaries asked for
    answered: int = 0
    late: int = 0  # answered after a request stopped waiting
    skipped_busy: int = 0  # requests that found the kernel busy and did not ask
    failed: int = 0
    latency: LatencyStats = field(default_factory=LatencyStats)  # ask → parsed summary, ms

    def as_json(self) -> dict[str, Any]:
        return {"probes": self.probes, "answered": self.answered, "late": self.late,
                "skipped_busy": self.skipped_busy, "failed": self.failed, "latency": self.latency.summary()}


@dataclass
class _Kernel:
    client: Any
    facts: KernelFacts | None = None
    at: float = 0.0  # monotonic time of `facts`
    pending: asyncio.Task[KernelFacts | None] | None = None
    refreshing: asyncio.Task[None] | None = None


class KernelContext:
    def __init__(self, kernel_manager: Any, *, budget_s: float = BUDGET_S) -> None:
        self.kernel_manager = kernel_manager
        self.budget_s = budget_s
        self.stats = ContextStats()
        self._kernels: dict[str, _Kernel] = {}

    async def facts(self, kernel_id: str | None, *, wait: bool) -> KernelFacts | None:
        """The kernel's variables, or None (no such kernel, nothing known yet, or it did not answer in
        time). `wait`: wait up to the budget for a fresh summary; otherwise answer at once."""
        kernel = self._server_kernel(kernel_id)
        if kernel is None:
            return None
        assert kernel_id is not None
        entry = self._entry(kernel_id, kernel)
        if getattr(kernel, "execution_state", None) != "idle":
            self.stats.skipped_busy += 1
            return entry.facts  # from before the run; a busy kernel is never asked
        if not wait and entry.facts is not None and time.monotonic() - entry.at < FRESH_S:
            return entry.facts
        if entry.pending is None or entry.pending.done():
            entry.pending = asyncio.ensure_future(self._probe(kernel_id, entry))
        if not wait:
            return entry.facts
        pending = entry.pending
        done, _ = await asyncio.wait({pending}, timeout=self.budget_s)
        fresh = pending.result() if done and not pending.cancelled() else None
        return fresh or entry.facts

    def refresh(self, kernel_id: str | None) -> None:
        """A cell has run: summarise the kernel again once it is idle (in the background)."""
        kernel = self._server_kernel(kernel_id)
        if kernel is None:
            return
        assert kernel_id is not None
        entry = self._entry(kernel_id, kernel)
        if entry.refreshing is None or entry.refreshing.done():
            entry.refreshing = asyncio.ensure_future(self._refresh(kernel_id, kernel, entry))

    async def _refresh(self, kernel_id: str, kernel: Any, entry: _Kernel) -> None:
        deadline = time.monotonic() + IDLE_WAIT_S
        while getattr(kernel, "execution_state", None) != "idle":
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)
        if entry.pending is not None and not entry.pending.done():
            await asyncio.wait({entry.pending})  # it may have started before the cell ended: ask again
        entry.pending = asyncio.ensure_future(self._probe(kernel_id, entry))

    def close(self) -> None:
        for kernel_id in list(self._kernels):
            self._drop(kernel_id)

    def _server_kernel(self, kernel_id: str | None) -> Any:
        if not kernel_id:
            return None
        for gone in [k for k in self._kernels if k not in self.kernel_manager]:
            self._drop(gone)  # shut down since
        if kernel_id not in self.kernel_manager:
            return None
        return self.kernel_manager.get_kernel(kernel_id)

    def _entry(self, kernel_id: str, kernel: Any) -> _Kernel:
        entry = self._kernels.get(kernel_id)
        if entry is None:
            client = kernel.client()
            # A session (and so a socket identity) of our own: with the manager's, replies meant for another
            # client of it would be routed to this connection.
            client.session.session = str(uuid.uuid4())
            client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            entry = self._kernels[kernel_id] = _Kernel(client)
        return entry

    def _drop(self, kernel_id: str) -> None:
        entry = self._kernels.pop(kernel_id, None)
        if entry is None:
            return
        for task in (entry.pending, entry.refreshing):
            if task is not None:
                task.cancel()
        try:
            entry.client.stop_channels()
        except Exception:  # already closed with its kernel
            log.debug("codepal: closing the probe connection of %s failed", kernel_id, exc_info=True)

    async def _probe(self, kernel_id: str, entry: _Kernel) -> KernelFacts | None:
        started = time.monotonic()
        self.stats.probes += 1
        client = entry.client
        msg_id = client.execute("", silent=True, store_history=False, allow_stdin=False, stop_on_error=False,
                                user_expressions={"codepal": _EXPRESSION})
        try:
            while True:  # replies to abandoned probes may still arrive first: skip them
                left = LATE_REPLY_S - (time.monotonic() - started)
                if left <= 0:
                    raise TimeoutError
                reply = await client.get_shell_msg(timeout=left)
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # no answer in time (queue.Empty), or the connection broke
            self.stats.failed += 1
            log.info("codepal: the context probe of kernel %s failed: %s", kernel_id, type(exc).__name__)
            self._drop(kernel_id)  # a fresh connection next time
            return None
        facts = parse_reply(reply)
        elapsed = time.monotonic() - started
        if facts is None:
            self.stats.failed += 1
            return None
        self.stats.answered += 1
        self.stats.late += elapsed > self.budget_s
        self.stats.latency.add(elapsed * 1000)
        entry.facts, entry.at = facts, time.monotonic()
        return facts


def parse_reply(reply: dict[str, Any]) -> KernelFacts | None:
    """The summary in an execute_reply, or None when the kernel could not run the probe."""
    content = reply.get("content", {})
    result = content.get("user_expressions", {}).get("codepal", {}) if content.get("status") == "ok" else {}
    if result.get("status") != "ok":
        log.debug("codepal: the context probe failed in the kernel: %s", result.get("evalue", content))
        return None
    try:  # the repr of the JSON string, as IPython's plain-text formatter wrote it
        text = ast.literal_eval(result["data"]["text/plain"])
        return KernelFacts.from_wire(json.loads(text))
    except (KeyError, ValueError, SyntaxError, TypeError):
        log.debug("codepal: the context probe answered something unreadable", exc_info=True)
        return None
