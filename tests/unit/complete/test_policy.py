"""LatestWins: a newer request supersedes an older one; a cancelled caller always ends cancelled."""

from __future__ import annotations

import asyncio

import pytest

from codepal.complete.policy import LatestWins


async def test_a_newer_request_for_the_same_key_supersedes_the_older() -> None:
    policy = LatestWins(base_debounce_ms=0)
    started = asyncio.Event()

    async def slow() -> str:
        started.set()
        await asyncio.sleep(10)
        return "old"

    async def fast() -> str:
        return "new"

    older = asyncio.ensure_future(policy.run("doc", slow, keystroke=False))
    await started.wait()
    assert await policy.run("doc", fast, keystroke=False) == "new"
    assert await older is None
    assert policy.cancelled == 1


async def test_other_keys_are_left_alone() -> None:
    policy = LatestWins(base_debounce_ms=0)

    async def work(value: str) -> str:
        await asyncio.sleep(0.01)
        return value

    results = await asyncio.gather(policy.run("a", lambda: work("a")), policy.run("b", lambda: work("b")))
    assert results == ["a", "b"] and policy.cancelled == 0


async def test_a_cancelled_caller_ends_cancelled_and_its_work_stops() -> None:
    policy = LatestWins(base_debounce_ms=0)
    started, stopped = asyncio.Event(), asyncio.Event()

    async def endless() -> str:
        started.set()
        try:
            await asyncio.sleep(10)
        finally:
            stopped.set()
        return "never"

    caller = asyncio.ensure_future(policy.run("doc", endless, keystroke=False))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert stopped.is_set()


async def test_a_cancelled_caller_ends_cancelled_even_when_its_work_swallows_the_cancel() -> None:
    """What `$/cancelRequest` relies on: the editor must get -32800, not a late answer."""
    policy = LatestWins(base_debounce_ms=0)
    started = asyncio.Event()

    async def stubborn() -> str:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return "finished anyway"  # as a library that eats the cancel while closing a stream would
        return "never"

    caller = asyncio.ensure_future(policy.run("doc", stubborn, keystroke=False))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller


def _typed(policy: LatestWins, gaps_ms: list[float], key: str = "doc") -> None:
    """Keystrokes `gaps_ms` apart, after the last one `key` saw (or a first one)."""
    now = policy._last_at.get(key)
    if now is None:
        now = 1000.0
        policy._note_keystroke(key, now)
    for gap in gaps_ms:
        now += gap / 1000
        policy._note_keystroke(key, now)


def test_debounce_follows_the_typists_rhythm_and_ignores_pauses() -> None:
    import random

    rng = random.Random(3)
    human = [min(400.0, max(30.0, rng.gauss(120, 60))) for _ in range(200)]
    policy = LatestWins(base_debounce_ms=40)
    assert policy.debounce_for("doc") == 0.04  # nothing known yet
    _typed(policy, human)
    wait = policy.debounce_for("doc")
    assert 0.2 <= wait <= 0.3  # most of their gaps are shorter: no request between two keys
    assert sum(gap / 1000 > wait for gap in human) / len(human) < 0.08
    _typed(policy, [1500.0, 900.0])  # pauses to think say nothing about the rhythm
    assert policy.debounce_for("doc") == wait
    fast = LatestWins(base_debounce_ms=40)
    _typed(fast, [40.0] * 50)
    assert 0.059 <= fast.debounce_for("doc") < 0.1
    assert fast.debounce_for("a document just opened") == fast.debounce_for("doc")  # the user's rhythm


def test_the_wait_rises_at_once_when_the_rhythm_slows() -> None:
    policy = LatestWins(base_debounce_ms=40)
    _typed(policy, [40.0] * 50)  # a quick burst ...
    _typed(policy, [150.0] + [100.0] * 8)  # ... then slower keys, one of them 150 ms apart:
    assert policy.debounce_for("doc") > 0.16  # another gap like it must not send a request
    _typed(policy, [40.0] * 12)  # the longest gap counts for a dozen keys, then the rhythm rules again
    assert policy.debounce_for("doc") < 0.1


async def test_kept_work_outlives_its_callers_cancel_and_a_newer_request_still_stops_it() -> None:
    policy = LatestWins(base_debounce_ms=0)
    started, release = asyncio.Event(), asyncio.Event()

    async def streaming() -> str:
        started.set()
        await release.wait()
        return "answer"

    caller = asyncio.ensure_future(policy.run("doc", streaming, keystroke=False))
    await started.wait()
    assert policy.keep("doc") and not policy.keep("other")
    kept = policy.running("doc")
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert kept is not None and not kept.done()  # still running for whoever types through it
    release.set()
    assert await kept == "answer" and policy.running("doc") is None

    release.clear()
    started.clear()
    caller = asyncio.ensure_future(policy.run("doc", streaming, keystroke=False))
    await started.wait()
    policy.keep("doc")
    kept = policy.running("doc")

    async def fresh() -> str:
        return "new"

    assert await policy.run("doc", fresh, keystroke=False) == "new"  # a newer request needs the model
    assert kept is not None and kept.cancelled() and await caller is None


async def test_work_is_cancelled_once_so_its_clean_up_runs_to_the_end() -> None:
    """An edit, the next request and the editor's `$/cancelRequest` all stop the same request, in any
    order: a second cancel landing in the clean-up (where the HTTP stream is closed) would cut it short."""
    policy = LatestWins(base_debounce_ms=0)
    started, cleaned = asyncio.Event(), asyncio.Event()

    async def streaming() -> str:
        started.set()
        try:
            await asyncio.sleep(10)
        finally:
            await asyncio.sleep(0.01)  # closing the connection takes a few awaits
            cleaned.set()
        return "never"

    caller = asyncio.ensure_future(policy.run("doc", streaming, keystroke=False))
    await started.wait()
    policy.cancel("doc")  # the edit
    await asyncio.sleep(0)  # the work is in its clean-up now
    caller.cancel()  # then the editor's cancel
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.wait_for(cleaned.wait(), 1)


async def test_the_caller_resumes_in_the_loop_iteration_after_the_work_ends() -> None:
    """The work's result reaches the caller directly, not through the inner task's done-callbacks and
    a shield (two more event-loop iterations on every completion's way back)."""
    policy = LatestWins(base_debounce_ms=0)

    async def work() -> str:
        return "answer"

    caller = asyncio.ensure_future(policy.run("doc", work, keystroke=False))
    for _ in range(3):  # the caller starts the work; the work ends; the caller resumes
        await asyncio.sleep(0)
    assert caller.done() and caller.result() == "answer"


async def test_a_failure_of_the_work_reaches_the_caller() -> None:
    policy = LatestWins(base_debounce_ms=0)

    async def work() -> str:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await policy.run("doc", work, keystroke=False)


async def test_an_explicit_request_neither_waits_nor_teaches_the_rhythm() -> None:
    """Back-to-back explicit requests (an editor's "trigger suggestion", a closed-loop benchmark) came
    closer than TYPING_GAP_S, read as fast typing, and each waited out a debounce of up to 0.3 s."""
    policy = LatestWins(base_debounce_ms=40)
    _typed(policy, [250.0] * 20)  # a slow typist: the wait is long
    assert policy.debounce_for("doc") >= 0.25
    learned = (policy._gap_mean, policy._gap_dev, list(policy._recent), dict(policy._last_at))
    debounced_started = asyncio.Event()

    async def debounced() -> str:
        debounced_started.set()
        return "typed"

    async def asked() -> str:
        return "asked"

    typing = asyncio.ensure_future(policy.run("other", debounced))  # waits out the learned debounce
    for _ in range(5):
        assert await policy.run("doc", asked, keystroke=False) == "asked"
    assert not debounced_started.is_set()  # the explicit ones were answered while it still waits
    assert (policy._gap_mean, policy._gap_dev, list(policy._recent)) == learned[:3]
    assert policy._last_at.keys() == learned[3].keys() | {"other"}
    assert await typing == "typed"
