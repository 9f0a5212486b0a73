"""The offline promise: nothing in codepal reaches beyond loopback.

Every test of this suite already fails if it, or any process it started (language servers, the vLLM
test bed and its workers), connects beyond loopback (see conftest.py and tests/support/socket_guard.py).
Here: the guard itself is checked, and codepal's commands run without `HF_HUB_OFFLINE` in the
environment, as a user's shell would have it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from codepal.config import EngineConfig
from codepal.engine.command import OFFLINE_ENV, build_env
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability
Figure = Callable[[str], None]

PROBE = """
import socket
s = socket.socket()
s.setblocking(False)
s.connect_ex(("192.0.2.1", 9))  # TEST-NET-1: never routed; the SYN, if any, goes nowhere
s.close()
local = socket.socket()
local.setblocking(False)
local.connect_ex(("127.0.0.1", 9))
local.close()
"""


def test_the_guard_records_connects_in_subprocesses(socket_guard: SocketGuard, tmp_path: Path,
                                                    figure: Figure) -> None:
    probe = SocketGuard(tmp_path / "probe.jsonl")  # a log of its own: the suite's stays clean
    subprocess.run([sys.executable, "-c", PROBE], env=probe.env(), check=True, timeout=60)
    events = probe.events()
    figure(f"a subprocess connecting to 192.0.2.1 and 127.0.0.1: {len(events)} events recorded, "
           f"{len(probe.violations())} flagged")
    assert [(tuple(e["address"]), e["local"]) for e in events] == [(("192.0.2.1", 9), False),
                                                                    (("127.0.0.1", 9), True)]
    assert os.environ["CODEPAL_SOCKET_LOG"] == str(socket_guard.log)  # and the suite's processes log too


def test_codepal_commands_stay_on_loopback_without_hf_offline(socket_guard: SocketGuard, tmp_path: Path,
                                                              figure: Figure) -> None:
    env = socket_guard.env()
    for name in [*OFFLINE_ENV, "TRANSFORMERS_OFFLINE"]:
        env.pop(name, None)
    env.update({"CODEPAL_STATE_DIR": str(tmp_path / "state"), "CODEPAL_CONFIG_FILE": str(tmp_path / "none.toml"),
                "CODEPAL_CACHE_DIR": str(tmp_path / "cache")})
    source = tmp_path / "a.py"
    source.write_text("import os\n\ndef f(x):\n    return os.path.join(x, ")
    since = socket_guard.mark()
    commands = {
        "doctor": ["doctor", "--json"],
        "complete": ["complete", f"{source}:4:30"],
    }
    timings = {}
    for name, args in commands.items():
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "codepal", *args], env=env, capture_output=True,
                                text=True, timeout=300)
        timings[name] = f"exit {result.returncode} in {time.monotonic() - started:.1f} s"
        assert "Traceback" not in result.stderr, result.stderr
    events = socket_guard.events(since)
    bad = [e for e in events if not e["local"]]
    figure(f"without HF_HUB_OFFLINE: {'; '.join(f'{k} {v}' for k, v in timings.items())}; "
           f"{len(events)} socket events, {len(bad)} beyond loopback")
    assert bad == []


def test_vllm_is_started_offline_and_without_telemetry(figure: Figure) -> None:
    env = build_env(EngineConfig(), "k", "cpu", base={"HF_HUB_OFFLINE": "0", "DO_NOT_TRACK": "0"})
    flags = {name: env[name] for name in OFFLINE_ENV}
    figure(f"vLLM environment: {', '.join(f'{k}={v}' for k, v in flags.items())}; VLLM_HOST_IP={env['VLLM_HOST_IP']}")
    assert all(value == "1" for value in flags.values())
    assert env["VLLM_HOST_IP"] == "127.0.0.1"
