"""The engine's one state machine and one health policy, for an engine this process owns and for one it
attaches to.

stopped → starting → ready ⇄ degraded; crashed when an owned server dies or cannot start. Health probes
and the owned process's facts (launched, failed, stopped on purpose) are events; `TRANSITIONS` says what
each event does in each state, and `HealthPolicy` how often to probe, how long to wait for an answer and
how many missed probes in a row make a ready engine degraded (a busy CPU build can miss one).

Exactly one prober feeds a machine: the surface's `EngineLink` (also for an engine it owns), or an
`Engine` that nobody else watches (`codepal serve`, the test bed, the benchmarks).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from codepal.errors import CodepalError

if TYPE_CHECKING:
    from codepal.client import ModelClient

log = logging.getLogger(__name__)


class EngineState(enum.StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    DEGRADED = "degraded"
    CRASHED = "crashed"


class Event(enum.StrEnum):
    LAUNCHED = "launched"  # an owned server is being started (or restarted)
    PROBE_OK = "probe_ok"  # /health answers and /v1/models lists the model
    PROBE_MISSED = "probe_missed"  # /health or /v1/models did not answer in time
    NOT_FOUND = "not_found"  # nothing to probe: no URL, no state file, no owned server
    REQUEST_FAILED = "request_failed"  # a request found the server gone, or the engine settings changed
    FAILED = "failed"  # an owned server exited unexpectedly or could not start
    STOPPED = "stopped"  # stopped on purpose


KEEP: Literal["keep"] = "keep"  # nothing changes: state and message stay (the message says why)
COUNT: Literal["count"] = "count"  # a missed probe: degraded once the policy's misses are reached
Rule = EngineState | Literal["keep", "count"]

S, E = EngineState, Event
TRANSITIONS: dict[EngineState, dict[Event, Rule]] = {
    # An engine found (by URL or state file) that does not answer is degraded; none found is stopped.
    S.STOPPED: {
        E.LAUNCHED: S.STARTING, E.PROBE_OK: S.READY, E.PROBE_MISSED: S.DEGRADED, E.NOT_FOUND: S.STOPPED,
        E.REQUEST_FAILED: KEEP, E.FAILED: S.CRASHED, E.STOPPED: S.STOPPED,
    },
    # Loading takes minutes on a CPU: a probe that finds nothing yet is expected, not a fault.
    S.STARTING: {
        E.LAUNCHED: S.STARTING, E.PROBE_OK: S.READY, E.PROBE_MISSED: KEEP, E.NOT_FOUND: KEEP,
        E.REQUEST_FAILED: KEEP, E.FAILED: S.CRASHED, E.STOPPED: S.STOPPED,
    },
    # A request that found the server gone is stronger evidence than a slow /health: degraded at once.
    S.READY: {
        E.LAUNCHED: S.STARTING, E.PROBE_OK: KEEP, E.PROBE_MISSED: COUNT, E.NOT_FOUND: S.STOPPED,
        E.REQUEST_FAILED: S.DEGRADED, E.FAILED: S.CRASHED, E.STOPPED: S.STOPPED,
    },
    S.DEGRADED: {
        E.LAUNCHED: S.STARTING, E.PROBE_OK: S.READY, E.PROBE_MISSED: S.DEGRADED, E.NOT_FOUND: S.STOPPED,
        E.REQUEST_FAILED: S.DEGRADED, E.FAILED: S.CRASHED, E.STOPPED: S.STOPPED,
    },
    # The crash message says what went wrong and what to do: probes of the dead server keep it shown.
    S.CRASHED: {
        E.LAUNCHED: S.STARTING, E.PROBE_OK: S.READY, E.PROBE_MISSED: KEEP, E.NOT_FOUND: KEEP,
        E.REQUEST_FAILED: KEEP, E.FAILED: S.CRASHED, E.STOPPED: S.STOPPED,
    },
}
del S, E


@dataclass(frozen=True)
class HealthPolicy:
    """How an engine's health is watched: the same for an owned and an attached engine."""

    ready_interval_s: float = 5.0
    """Time between probes of a ready engine."""
    ready_timeout_s: float = 3.0
    """How long a ready engine has to answer `/health` (a CPU build under load can be slow)."""
    down_timeout_s: float = 1.0
    """How long an engine that is not ready has to answer (a starting server answers at once or not)."""
    misses_before_degraded: int = 2
    """Missed probes in a row before a ready engine counts as degraded."""
    retry_s: float = 0.5
    """The next probe after a ready engine missed one, and the first wait while it is down."""
    max_backoff_s: float = 10.0
    """The longest wait between probes while the engine is down (the wait doubles up to this)."""
    startup_poll_s: float = 0.25
    """Time between readiness checks while an owned engine starts."""

    def next_wait(self, state: EngineState, misses: int, previous_s: float) -> float:
        """The wait before the next probe: steady while ready (soon after a miss), backing off otherwise."""
        if state is EngineState.READY:
            return self.retry_s if misses else self.ready_interval_s
        return min(self.max_backoff_s, max(self.retry_s, previous_s * 2))


def decide(state: EngineState, event: Event, misses: int, policy: HealthPolicy) -> EngineState | None:
    """The state after `event`, or None when nothing changes. `misses`: probes missed in a row, counting
    this one."""
    rule = TRANSITIONS[state][event]
    if rule == COUNT:
        return EngineState.DEGRADED if misses >= policy.misses_before_degraded else None
    if rule == KEEP:
        return None
    return EngineState(rule)


StateListener = Callable[[EngineState, str], None]


class EngineHealth:
    """The machine: the engine's state, the message that says why, and who hears of changes."""

    def __init__(self, policy: HealthPolicy | None = None, message: str = "") -> None:
        self.policy = policy or HealthPolicy()
        self.state = EngineState.STOPPED
        self.message = message
        self.misses = 0  # probes missed in a row since the last answer or state change
        self._listeners: list[StateListener] = []

    def add_listener(self, listener: StateListener) -> None:
        """Called with (state, message) whenever either changes; a crash listener fails pending work."""
        self._listeners.append(listener)

    def apply(self, event: Event, message: str) -> bool:
        """Feed one event; True when the state or its message changed (the listeners heard of it)."""
        if event is Event.PROBE_MISSED:
            self.misses += 1
        elif event is Event.PROBE_OK:
            self.misses = 0
        target = decide(self.state, event, self.misses, self.policy)
        if target is None:
            if event is Event.PROBE_MISSED and self.state is EngineState.READY:
                log.info("the model server missed a health probe (%d in a row); probing again soon", self.misses)
            return False
        if (target, message) == (self.state, self.message):
            return False
        if target is not self.state:
            self.misses = 0
        self.state, self.message = target, message
        log.info("engine %s: %s", target.value, message)
        for listener in list(self._listeners):
            try:
                listener(target, message)
            except Exception:
                log.exception("engine state listener failed")
        return True


@dataclass(frozen=True)
class ProbeResult:
    event: Event  # PROBE_OK or PROBE_MISSED
    message: str
    models: tuple[str, ...] = ()  # what /v1/models listed (asked only while the engine is not ready)


async def probe(client: ModelClient, policy: HealthPolicy, ready: bool) -> ProbeResult:
    """One health probe, timed by the policy: `/health`, then `/v1/models` unless the engine is known
    to be ready. The caller applies the result (or drops it, when the process it probed is gone)."""
    if not await client.health(timeout=policy.ready_timeout_s if ready else policy.down_timeout_s):
        return ProbeResult(Event.PROBE_MISSED, f"the model server at {client.base_url} does not answer")
    if ready:
        return ProbeResult(Event.PROBE_OK, f"ready at {client.base_url}")
    try:
        models = await client.list_models()
    except CodepalError as exc:
        return ProbeResult(Event.PROBE_MISSED, str(exc))
    return ProbeResult(Event.PROBE_OK, f"ready at {client.base_url}", tuple(models))
