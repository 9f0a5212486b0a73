"""The Jupyter server extension as a user starts it (`jupyter server`, a subprocess), on the points
tests/jupyter/test_security.py does not cover: no unauthenticated-access warning names a codepal
route when `allow_unauthenticated_access=False`, and the server with codepal listens on loopback only.
(Token, XSRF, cross-origin, foreign Host and body-size checks: tests/jupyter/test_security.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.listeners import listeners
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability
jupyter_ext = pytest.importorskip("codepal_jupyter.handlers")
TOKEN = "reliability-token"


@pytest.fixture
def jupyter(tmp_path: Path, socket_guard: SocketGuard) -> Iterator[tuple[subprocess.Popen[bytes], Path, str]]:
    env = socket_guard.env()
    env.update({"CODEPAL_STATE_DIR": str(tmp_path / "state"), "CODEPAL_CONFIG_FILE": str(tmp_path / "none.toml"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
                "JUPYTER_DATA_DIR": str(tmp_path / "data"), "PYTHONWARNINGS": "always"})
    log = tmp_path / "jupyter.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--port=0", f"--IdentityProvider.token={TOKEN}",
         "--ServerApp.allow_unauthenticated_access=False", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--ServerApp.jpserver_extensions={'codepal_jupyter': True}", "--Codepal.engine_url=http://127.0.0.1:9"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    url = ""
    while not url:
        found = re.search(r"(http://(?:127\.0\.0\.1|localhost):\d+/)", log.read_text(errors="replace"))
        url = found.group(1) if found else ""
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)
    yield proc, log, url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_jupyter_with_codepal_is_authenticated_and_loopback(
        jupyter: tuple[subprocess.Popen[bytes], Path, str], figure: Callable[[str], None]) -> None:
    proc, log, url = jupyter
    with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
        anonymous = http.get("codepal/status", follow_redirects=False).status_code
        with_token = http.get("codepal/status", headers={"Authorization": f"token {TOKEN}"}).status_code
    text = log.read_text(errors="replace")
    warnings = [line for line in text.splitlines() if "without @allow_unauthenticated" in line
                or ("codepal" in line.lower() and "registered for" in line)]
    naming_codepal = [line for line in text.splitlines() if "registered for" in line and "codepal" in line]
    processes = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    listening = sorted(set(listeners(processes)))  # a child (a kernel's helper) may exit meanwhile
    figure(f"jupyter server with allow_unauthenticated_access=False: {len(naming_codepal)} unauthenticated-access "
           f"warnings naming codepal routes ({len(warnings)} in all); codepal/status {anonymous} without the "
           f"token, {with_token} with it; listens on {listening}")
    assert naming_codepal == []
    assert anonymous in (302, 403) and with_token == 200
    assert listening and all(entry.rsplit(":", 1)[0] in ("127.0.0.1", "::1") for entry in listening)
    assert os.environ.get("CODEPAL_SOCKET_LOG")
