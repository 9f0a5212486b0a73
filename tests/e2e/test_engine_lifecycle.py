"""Engine life cycle on a real vLLM: crash with requests in flight, capped restarts, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from codepal.client import ModelClient
from codepal.engine import Engine, EngineState
from codepal.errors import BackendUnavailable
from tests.support.vllm_bed import test_engine_config

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


def _group_alive(pgid: int) -> list[int]:
    alive = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


async def _wait_state(engine: Engine, state: EngineState, timeout: float) -> float:
    started = time.monotonic()
    while engine.state is not state:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"engine is {engine.state}, not {state}, after {timeout} s: {engine.message}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_kill_9_fails_pending_then_restarts_then_caps(tmp_path: Path) -> None:
    engine = Engine(test_engine_config(max_restarts=1), state_path=tmp_path / "engine.json")
    started = time.monotonic()
    info = await engine.start()
    print(f"engine ready in {time.monotonic() - started:.1f} s")
    assert (tmp_path / "engine.json").exists()
    client = ModelClient(info.url, info.api_key, info.model, read_timeout=60)
    transitions: list[tuple[EngineState, float, str]] = []
    engine.add_listener(lambda state, msg: transitions.append((state, time.monotonic(), msg)))
    engine.add_listener(
        lambda state, msg: state is EngineState.CRASHED and client.fail_pending(BackendUnavailable(msg))
    )

    async def long_request() -> None:
        async for _ in client.stream_completion("x", max_tokens=3000, extra={"ignore_eos": True}):
            pass

    pending = [asyncio.ensure_future(long_request()) for _ in range(5)]
    await asyncio.sleep(1.0)
    pgid = engine.pid
    assert pgid is not None
    killed_at = time.monotonic()
    os.killpg(pgid, signal.SIGKILL)
    results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 5)
    failed_after = time.monotonic() - killed_at
    while not any(t[0] is EngineState.CRASHED for t in transitions) and time.monotonic() - killed_at < 5:
        await asyncio.sleep(0.01)
    crash = next(t for t in transitions if t[0] is EngineState.CRASHED)
    crashed_after = crash[1] - killed_at
    print(f"5 pending requests failed {failed_after * 1000:.0f} ms after kill -9; "
          f"state crashed after {crashed_after * 1000:.0f} ms")
    assert all(isinstance(r, BackendUnavailable) for r in results), results
    assert failed_after < 1.0
    assert crashed_after < 1.0
    assert "Last output" in crash[2]

    restart_took = await _wait_state(engine, EngineState.READY, 240)
    print(f"restarted and ready again in {restart_took:.1f} s")
    await client.aclose()
    assert engine.info is not None
    client = ModelClient(engine.info.url, engine.info.api_key, engine.info.model)
    assert [c async for c in client.stream_completion("a", max_tokens=2)]
    await client.aclose()

    # A second crash inside the window goes past max_restarts=1: it stays crashed with advice.
    assert engine.pid is not None
    os.killpg(engine.pid, signal.SIGKILL)
    await _wait_state(engine, EngineState.CRASHED, 2.0)
    await asyncio.sleep(1.0)
    assert [t[0] for t in transitions].count(EngineState.STARTING) == 1  # the one allowed restart
    assert engine.state is EngineState.CRASHED
    assert "not restarting" in engine.message
    assert not (tmp_path / "engine.json").exists()
    await engine.stop()


async def test_stop_leaves_no_process_and_no_state_file(tmp_path: Path) -> None:
    engine = Engine(test_engine_config(), state_path=tmp_path / "engine.json")
    await engine.start()
    pgid = engine.pid
    assert pgid is not None and _group_alive(pgid)
    stopped = time.monotonic()
    await engine.stop()
    print(f"stopped in {time.monotonic() - stopped:.1f} s")
    await asyncio.sleep(0.5)
    assert _group_alive(pgid) == []
    assert engine.state is EngineState.STOPPED
    assert not (tmp_path / "engine.json").exists()
