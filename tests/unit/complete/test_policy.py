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

    older = asyncio.ensure_future(policy.run("doc", slow, debounce=False))
    await started.wait()
    assert await policy.run("doc", fast, debounce=False) == "new"
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

    caller = asyncio.ensure_future(policy.run("doc", endless, debounce=False))
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

    caller = asyncio.ensure_future(policy.run("doc", stubborn, debounce=False))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
