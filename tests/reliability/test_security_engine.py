"""Listeners, the API key and private files: with a stand-in vLLM (fast) and on the real vLLM test bed.

Already covered elsewhere and not repeated: vLLM answers 401 without the key on /v1/models and
/v1/completions and listens on loopback (tests/e2e/test_vllm_bed.py); the Jupyter routes' token, XSRF,
origin, Host and body-size checks (tests/jupyter/test_security.py).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from codepal.config import EngineConfig
from codepal.engine import Engine, EngineInfo
from codepal.errors import ConfigError
from tests.reliability.conftest import FakeVllm
from tests.reliability.peer import LspPeer
from tests.support.listeners import listeners
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability
Figure = Callable[[str], None]
LOOPBACK = ("127.0.0.1", "::1")


def argv_holding(secret: str) -> list[int]:
    holders = []
    for proc in psutil.process_iter(["cmdline"]):
        if secret in " ".join(proc.info["cmdline"] or []):
            holders.append(proc.pid)
    return holders


def private(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


async def test_lsp_owned_engine_is_loopback_private_and_keeps_its_key_secret(
        start_lsp: Callable[..., Awaitable[LspPeer]], lsp_env: Callable[..., dict[str, str]],
        fake_vllm: FakeVllm, socket_guard: SocketGuard, tmp_path: Path, figure: Figure) -> None:
    state_dir = tmp_path / "private-state"
    env = lsp_env(state_dir, FAKE_VLLM_PIDS=str(fake_vllm.pids_file),
                  PYTHONPATH=os.pathsep.join([str(fake_vllm.pythonpath), socket_guard.env()["PYTHONPATH"]]))
    lsp = await start_lsp(env, verbose=True)  # -v: the most the server ever logs
    await lsp.initialize_with({"engine": {"autostart": True, "model": str(fake_vllm.model_dir)}})
    await lsp.wait_state("ready", timeout=60)
    lsp.open("file:///k.py", "def f():\n    ")
    await lsp.inline("file:///k.py", 1, 4)
    info = json.loads((state_dir / "engine.json").read_text())
    key = info["api_key"]
    tree = [psutil.Process(lsp.pid), *lsp.descendants()]
    own = listeners([psutil.Process(lsp.pid)])
    engine = listeners(tree[1:])
    holders = argv_holding(key)
    launch = fake_vllm.launches()[0]
    log = lsp.log_text() + "".join(json.dumps(m) for m in lsp.messages)
    figure(f"language server listens on {own or 'nothing'}; its engine on {engine}; key in the argv of "
           f"{len(holders)} of {len(psutil.pids())} processes and in {log.count(key)} places of "
           f"{len(log)} chars of -v log and protocol traffic; state dir {private(state_dir)}, "
           f"engine.json {private(state_dir / 'engine.json')}")
    assert own == []
    assert engine and all(e.rsplit(":", 1)[0] in LOOPBACK for e in engine)
    assert "--host" in launch["argv"] and launch["argv"][launch["argv"].index("--host") + 1] == "127.0.0.1"
    assert holders == [] and key not in " ".join(launch["argv"])
    assert key not in log
    assert private(state_dir) == "0o700" and private(state_dir / "engine.json") == "0o600"
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(info["url"] + "/v1/models")).status_code == 401


def test_serve_prints_no_key_and_refuses_to_listen_beyond_loopback(
        fake_vllm: FakeVllm, lsp_env: Callable[..., dict[str, str]], socket_guard: SocketGuard,
        tmp_path: Path, figure: Figure) -> None:
    state_dir = tmp_path / "serve-state"
    env = lsp_env(state_dir, FAKE_VLLM_PIDS=str(fake_vllm.pids_file),
                  PYTHONPATH=os.pathsep.join([str(fake_vllm.pythonpath), socket_guard.env()["PYTHONPATH"]]))
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "codepal", "-v", "serve", "--model", str(fake_vllm.model_dir)],
                                env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not (state_dir / "engine.json").exists():
                assert proc.poll() is None and time.monotonic() < deadline, err.read_text()
                time.sleep(0.05)
            key = json.loads((state_dir / "engine.json").read_text())["api_key"]
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            found = listeners(tree)
            holders = argv_holding(key)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
    logs = out.read_text() + err.read_text() + (state_dir / "vllm.log").read_text()
    figure(f"codepal serve: listeners {found}; key in {len(holders)} argv and {logs.count(key)} of "
           f"{len(logs)} chars of output and vllm.log (mode {private(state_dir / 'vllm.log')})")
    assert found and all(f.rsplit(":", 1)[0] in LOOPBACK for f in found)
    assert holders == [] and key not in logs
    assert private(state_dir / "vllm.log") == "0o600"

    refused = []
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com"):
        with pytest.raises(ConfigError, match="loopback"):
            Engine(EngineConfig(host=host))
        refused.append(host)
    result = subprocess.run([sys.executable, "-m", "codepal", "serve", "--model", str(fake_vllm.model_dir)],
                            env={**env, "CODEPAL_ENGINE__HOST": "0.0.0.0"}, capture_output=True, text=True,
                            timeout=60)
    figure(f"engine.host {', '.join(refused)}: refused; `codepal serve` with host 0.0.0.0 exits {result.returncode}")
    assert result.returncode != 0 and "loopback" in result.stderr
    assert len(fake_vllm.launches()) == 1  # the refused one started nothing


async def test_lsp_autostart_with_a_public_host_starts_nothing(
        start_lsp: Callable[..., Awaitable[LspPeer]], lsp_env: Callable[..., dict[str, str]],
        fake_vllm: FakeVllm, socket_guard: SocketGuard, figure: Figure) -> None:
    env = lsp_env(FAKE_VLLM_PIDS=str(fake_vllm.pids_file),
                  PYTHONPATH=os.pathsep.join([str(fake_vllm.pythonpath), socket_guard.env()["PYTHONPATH"]]))
    lsp = await start_lsp(env)
    await lsp.initialize_with({"engine": {"autostart": True, "host": "0.0.0.0", "model": str(fake_vllm.model_dir)}})
    status = await lsp.wait_state("crashed", timeout=20)
    figure(f"autostart with engine.host 0.0.0.0: state {status['state']} ({status['message'][:60]}…), "
           f"{len(fake_vllm.launches())} engines started, {len(lsp.descendants())} child processes")
    assert "loopback" in status["message"]
    assert fake_vllm.launches() == [] and lsp.descendants() == []


# -- the real vLLM test bed -------------------------------------------------------------------------

ALLOWED_WITHOUT_KEY = {"/health", "/ping", "/version", "/metrics"}  # probes and counters, never text


@pytest.mark.slow
@pytest.mark.vllm
def test_every_vllm_route_that_runs_the_model_needs_the_key(vllm: EngineInfo, figure: Figure) -> None:
    with httpx.Client(base_url=vllm.url, trust_env=False, timeout=30) as http:
        spec = http.get("/openapi.json", headers={"Authorization": f"Bearer {vllm.api_key}"}).json()
        answers: dict[str, int] = {}
        for path, methods in sorted(spec["paths"].items()):
            if "{" in path:
                continue
            for method in methods:
                if method.upper() not in ("GET", "POST"):
                    continue
                body: dict[str, Any] = {"model": vllm.model, "prompt": "x", "max_tokens": 1,
                                        "messages": [{"role": "user", "content": "x"}]}
                response = (http.get(path) if method.upper() == "GET"
                            else http.post(path, json=body))
                answers[f"{method.upper()} {path}"] = response.status_code
    guarded = [r for r, code in answers.items() if code == 401]
    open_routes = sorted(r for r, code in answers.items()
                         if code not in (401, 404, 405) and r.split(" ", 1)[1] not in ALLOWED_WITHOUT_KEY)
    figure(f"{len(answers)} vLLM routes probed without the key: {len(guarded)} answer 401; open: "
           f"{sorted(r for r, c in answers.items() if c not in (401, 404, 405))}; open beyond health and "
           f"metrics: {open_routes or 'none'}")
    assert "POST /v1/completions" in guarded and "POST /v1/chat/completions" in guarded
    assert open_routes == []


@pytest.mark.slow
@pytest.mark.vllm
async def test_vllm_and_every_codepal_listener_are_loopback_and_the_key_stays_secret(
        vllm: EngineInfo, vllm_bed: Any, vllm_state_dir: Path, start_lsp: Callable[..., Awaitable[LspPeer]],
        lsp_env: Callable[..., dict[str, str]], figure: Figure) -> None:
    group = vllm_bed.engine.pid
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == group:
                members.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    vllm_listeners = listeners(members)
    lsp = await start_lsp(lsp_env(vllm_state_dir), verbose=True)
    await lsp.initialize_with({"completion": {"deadline_ms": 20000, "max_tokens_block": 8}})
    await lsp.wait_state("ready", timeout=30)
    lsp.open("file:///bed.py", "def add(a, b):\n    ")
    _, ms = await lsp.inline("file:///bed.py", 1, 4)
    lsp_listeners = listeners([psutil.Process(lsp.pid), *lsp.descendants()])
    assert vllm.api_key
    holders = argv_holding(vllm.api_key)
    vllm_log = (vllm_state_dir / "vllm.log").read_text(errors="replace")
    lsp_log = lsp.log_text()
    figure(f"vLLM group ({len(members)} processes) listens on {sorted(set(vllm_listeners))}; language server on "
           f"{lsp_listeners or 'nothing'}; key in {len(holders)} argv, {vllm_log.count(vllm.api_key)} times in "
           f"{len(vllm_log)} chars of vllm.log, {lsp_log.count(vllm.api_key)} in {len(lsp_log)} chars of -v LSP "
           f"log (completion {ms:.0f} ms)")
    assert vllm_listeners and all(e.rsplit(":", 1)[0] in LOOPBACK for e in vllm_listeners)
    assert lsp_listeners == []
    assert holders == [] and vllm.api_key not in vllm_log and vllm.api_key not in lsp_log
    assert private(vllm_state_dir / "vllm.log") == "0o600"
