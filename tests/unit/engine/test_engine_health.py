"""The one engine state machine: every state × event, the miss tolerance, listeners and the probe rhythm."""

from __future__ import annotations

import itertools

import pytest

from codepal.engine.health import TRANSITIONS, EngineHealth, EngineState, Event, HealthPolicy, decide

S, E = EngineState, Event
POLICY = HealthPolicy()  # two missed probes in a row make a ready engine degraded

# What each event does in each state, written out here rather than read from the table under test.
# None: nothing changes (the state and the message that says why stay).
EXPECTED: dict[tuple[EngineState, Event], EngineState | None] = {
    (S.STOPPED, E.LAUNCHED): S.STARTING,
    (S.STOPPED, E.PROBE_OK): S.READY,  # someone else's engine appeared
    (S.STOPPED, E.PROBE_MISSED): S.DEGRADED,  # an engine is configured but does not answer
    (S.STOPPED, E.NOT_FOUND): S.STOPPED,
    (S.STOPPED, E.REQUEST_FAILED): None,
    (S.STOPPED, E.FAILED): S.CRASHED,  # autostart could not even make an engine
    (S.STOPPED, E.STOPPED): S.STOPPED,
    (S.STARTING, E.LAUNCHED): S.STARTING,
    (S.STARTING, E.PROBE_OK): S.READY,
    (S.STARTING, E.PROBE_MISSED): None,  # loading: nothing answers yet
    (S.STARTING, E.NOT_FOUND): None,  # the owned engine has no address yet
    (S.STARTING, E.REQUEST_FAILED): None,
    (S.STARTING, E.FAILED): S.CRASHED,
    (S.STARTING, E.STOPPED): S.STOPPED,
    (S.READY, E.LAUNCHED): S.STARTING,
    (S.READY, E.PROBE_OK): None,
    (S.READY, E.PROBE_MISSED): None,  # the first miss is tolerated (see the threshold test)
    (S.READY, E.NOT_FOUND): S.STOPPED,  # its `codepal serve` ended
    (S.READY, E.REQUEST_FAILED): S.DEGRADED,
    (S.READY, E.FAILED): S.CRASHED,
    (S.READY, E.STOPPED): S.STOPPED,
    (S.DEGRADED, E.LAUNCHED): S.STARTING,
    (S.DEGRADED, E.PROBE_OK): S.READY,
    (S.DEGRADED, E.PROBE_MISSED): S.DEGRADED,
    (S.DEGRADED, E.NOT_FOUND): S.STOPPED,
    (S.DEGRADED, E.REQUEST_FAILED): S.DEGRADED,
    (S.DEGRADED, E.FAILED): S.CRASHED,
    (S.DEGRADED, E.STOPPED): S.STOPPED,
    (S.CRASHED, E.LAUNCHED): S.STARTING,
    (S.CRASHED, E.PROBE_OK): S.READY,
    (S.CRASHED, E.PROBE_MISSED): None,  # the crash message stays shown
    (S.CRASHED, E.NOT_FOUND): None,
    (S.CRASHED, E.REQUEST_FAILED): None,
    (S.CRASHED, E.FAILED): S.CRASHED,  # e.g. "not restarting" after the crash
    (S.CRASHED, E.STOPPED): S.STOPPED,
}


def test_every_state_and_event_is_covered() -> None:
    every = set(itertools.product(EngineState, Event))
    assert set(EXPECTED) == every
    assert {(state, event) for state, rules in TRANSITIONS.items() for event in rules} == every


@pytest.mark.parametrize(("state", "event"), list(EXPECTED))
def test_transition(state: EngineState, event: Event) -> None:
    assert decide(state, event, 1, POLICY) == EXPECTED[(state, event)]


@pytest.mark.parametrize(("state", "event"), list(EXPECTED))
def test_the_machine_follows_the_table(state: EngineState, event: Event) -> None:
    """Driven from `state` (reached by real events), one `event` lands where the table says; a change
    is heard by the listeners once, and an ignored event keeps the state's message."""
    health = EngineHealth(POLICY)
    reach = {S.STOPPED: [], S.STARTING: [E.LAUNCHED], S.READY: [E.PROBE_OK], S.DEGRADED: [E.PROBE_MISSED],
             S.CRASHED: [E.FAILED]}
    for step in reach[state]:
        health.apply(step, f"reached by {step}")
    assert health.state is state
    before = health.message
    heard: list[tuple[EngineState, str]] = []
    health.add_listener(lambda s, m: heard.append((s, m)))
    changed = health.apply(event, "the event's message")
    expected = EXPECTED[(state, event)]
    if expected is None:
        assert (changed, health.state, health.message, heard) == (False, state, before, [])
    else:
        assert (changed, health.state, health.message) == (True, expected, "the event's message")
        assert heard == [(expected, "the event's message")]


def test_a_ready_engine_is_degraded_only_after_the_policys_misses() -> None:
    for misses_allowed in (1, 2, 3):
        policy = HealthPolicy(misses_before_degraded=misses_allowed)
        health = EngineHealth(policy)
        health.apply(E.PROBE_OK, "ready")
        for miss in range(1, misses_allowed):
            assert not health.apply(E.PROBE_MISSED, "no answer")
            assert (health.state, health.misses) == (S.READY, miss)
        assert health.apply(E.PROBE_MISSED, "no answer")
        assert (health.state, health.message, health.misses) == (S.DEGRADED, "no answer", 0)


def test_an_answer_between_misses_starts_the_count_again() -> None:
    health = EngineHealth()
    health.apply(E.PROBE_OK, "ready")
    for _ in range(5):
        health.apply(E.PROBE_MISSED, "no answer")
        health.apply(E.PROBE_OK, "ready again")
    assert (health.state, health.message, health.misses) == (S.READY, "ready", 0)


def test_a_new_message_in_the_same_state_is_heard_and_a_repeat_is_not() -> None:
    health = EngineHealth(message="no engine found yet")
    heard: list[tuple[EngineState, str]] = []
    health.add_listener(lambda s, m: heard.append((s, m)))
    health.apply(E.FAILED, "vLLM exited unexpectedly")
    health.apply(E.FAILED, "vLLM crashed 2 times; not restarting")
    health.apply(E.FAILED, "vLLM crashed 2 times; not restarting")
    assert heard == [(S.CRASHED, "vLLM exited unexpectedly"), (S.CRASHED, "vLLM crashed 2 times; not restarting")]


def test_a_failing_listener_does_not_stop_the_others() -> None:
    health = EngineHealth()
    heard: list[EngineState] = []

    def broken(state: EngineState, message: str) -> None:
        raise RuntimeError("listener bug")

    health.add_listener(broken)
    health.add_listener(lambda s, m: heard.append(s))
    health.apply(E.LAUNCHED, "starting")
    assert heard == [S.STARTING] and health.state is S.STARTING


def test_probe_rhythm_steady_while_ready_and_backing_off_while_down() -> None:
    policy = HealthPolicy(ready_interval_s=5.0, retry_s=0.5, max_backoff_s=10.0)
    assert policy.next_wait(S.READY, 0, 0.5) == 5.0
    assert policy.next_wait(S.READY, 1, 5.0) == 0.5  # look again soon after a miss
    waits = [policy.retry_s]
    for _ in range(6):
        waits.append(policy.next_wait(S.DEGRADED, 3, waits[-1]))
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.next_wait(S.STOPPED, 0, 5.0) == 10.0  # from ready to down: no faster than before
    assert policy.next_wait(S.STARTING, 0, 0.1) == 0.5  # never faster than retry_s
