"""One state machine and one health policy for an engine the surface owns (autostart) and for one that runs
on its own (`codepal serve`): both tolerate a missed health probe, turn degraded on the policy's second,
recover, and show a crash as crashed, not as a server that merely does not answer. With the stand-in for
vLLM (fast); kill -9 of the real vLLM is in tests/e2e/test_engine_lifecycle.py."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from codepal.config import CodepalConfig
from codepal.engine import Engine, EngineHealth, EngineLink, EngineState, HealthPolicy
from tests.reliability.conftest import FakeVllm

pytestmark = pytest.mark.reliability
Figure = Callable[[str], None]
S = EngineState
# The default policy's shape (probe a ready engine steadily, two misses make it degraded), on a short clock.
FAST = HealthPolicy(ready_interval_s=0.2, ready_timeout_s=0.3, down_timeout_s=0.3, retry_s=0.1,
                    max_backoff_s=0.5, startup_poll_s=0.05)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not {what} after {timeout} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


class Stall:
    """While its file exists, the stand-in's /health answers only after the seconds it holds."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on(self, seconds: float) -> None:
        self.path.write_text(str(seconds))

    def off(self) -> None:
        self.path.unlink()


@pytest.fixture
def stall(fake_vllm: FakeVllm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stall:
    """The stand-in is what this process starts as vLLM, with a /health that can stall."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(fake_vllm.pythonpath),
                                                                  os.environ.get("PYTHONPATH", "")) if p))
    monkeypatch.setenv("FAKE_VLLM_PIDS", str(fake_vllm.pids_file))
    monkeypatch.setenv("FAKE_VLLM_STALL", str(tmp_path / "stall"))
    return Stall(tmp_path / "stall")


def engine_config(fake_vllm: FakeVllm, **engine: object) -> CodepalConfig:
    return CodepalConfig().merged({"engine": {"model": str(fake_vllm.model_dir), "start_timeout_s": 60,
                                              "max_restarts": 0, **engine}}, "test")


@pytest.mark.parametrize("owner", ["link-autostart", "serve"])
async def test_one_policy_for_owned_and_standalone_engines(
        owner: str, fake_vllm: FakeVllm, stall: Stall, tmp_path: Path, figure: Figure) -> None:
    config = engine_config(fake_vllm, autostart=True)
    link: EngineLink | None = None
    if owner == "link-autostart":  # the language server or Jupyter with engine.autostart
        link = EngineLink(config, state_path=tmp_path / "engine.json", policy=FAST)
        await link.start()
        await until(lambda: link is not None and link.ready, 60, "ready")
        assert link.engine is not None and link.engine.health is link.health  # one machine, not a copy
        engine = link.engine
    else:  # `codepal serve`: the engine probes itself, by the same policy
        engine = Engine(config.engine, state_path=tmp_path / "engine.json", health=EngineHealth(FAST))
        await engine.start()
    health = engine.health
    heard: list[EngineState] = []
    health.add_listener(lambda state, message: heard.append(state))

    stall.on(1.0)  # /health now answers after 1 s: past the 0.3 s a ready engine gets
    await until(lambda: health.misses >= 1 or health.state is not S.READY, 5, "a missed probe")
    assert (health.state, health.misses) == (S.READY, 1)  # the first miss is tolerated
    degraded_s = await until(lambda: health.state is S.DEGRADED, 5, "degraded")
    stall.off()
    recovered_s = await until(lambda: health.state is S.READY, 5, "ready again")

    assert engine.pid is not None
    os.killpg(engine.pid, signal.SIGKILL)
    crashed_s = await until(lambda: "not restarting" in health.message, 5, "crashed for good")
    await asyncio.sleep(1.0)  # several probe rounds against the dead server
    figure(f"{owner}: degraded {degraded_s:.2f} s after the first tolerated miss, ready {recovered_s:.2f} s "
           f"after /health answered again; kill -9 -> crashed in {crashed_s:.2f} s, still {health.state} "
           f"after 1 s of probes; states heard {[s.value for s in heard]}")
    assert health.state is S.CRASHED and "not restarting" in health.message
    assert heard == [S.DEGRADED, S.READY, S.CRASHED, S.CRASHED]

    if link is not None:
        assert link.status()["state"] == "crashed"
        await link.close()
    else:
        await engine.stop()
    after_stop: EngineState = health.state
    assert after_stop is S.STOPPED
    processes = [pid for launch in fake_vllm.launches() for pid in (launch["server"], launch["core"])]
    assert len(processes) == 2
    assert not [p for p in processes if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


async def test_an_autostart_that_cannot_start_stays_crashed(fake_vllm: FakeVllm, stall: Stall,
                                                            tmp_path: Path, figure: Figure) -> None:
    """Probes that find no engine afterwards do not turn the crash (and its advice) back into "stopped"."""
    link = EngineLink(engine_config(fake_vllm, autostart=True, host="0.0.0.0"), state_path=tmp_path / "engine.json",
                      policy=FAST)
    await link.start()
    await until(lambda: link.state is S.CRASHED, 10, "crashed")
    probes = link.probes
    await until(lambda: link.probes >= probes + 3, 10, "three more probes")
    figure(f"autostart on 0.0.0.0: {link.state} after {link.probes - probes} more probes: {link.message[:60]}…")
    assert link.state is S.CRASHED and "loopback" in link.message
    assert fake_vllm.launches() == []
    await link.close()
