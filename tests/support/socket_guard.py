"""Offline guard: record every socket connect (and name lookup) and assert loopback only.

In the test process the `socket` module is patched; subprocesses (the language server, vLLM and its
workers, Jupyter) inherit `CODEPAL_SOCKET_LOG` and a `PYTHONPATH` entry whose `sitecustomize` does the
same. Everything lands as JSON lines in one log file. Nothing is blocked, so a violation shows up as a
clear test failure naming the process and the address, not as a hang.

Use it for the whole suite with `pytest -p tests.support.socket_guard` (each test then fails if it, or
a process it started, reached beyond loopback); `tests/reliability` activates it for itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SITE_DIR = Path(__file__).resolve().parent / "netguard"
LOG_ENV = "CODEPAL_SOCKET_LOG"


def _core() -> Any:
    """The recorder (`netguard/sitecustomize.py`), loaded by path under a private name."""
    spec = importlib.util.spec_from_file_location("codepal_netguard", SITE_DIR / "sitecustomize.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class SocketGuard:
    log: Path

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a subprocess that records into the same log."""
        env = dict(os.environ if base is None else base)
        env[LOG_ENV] = str(self.log)
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if str(SITE_DIR) not in paths:
            env["PYTHONPATH"] = os.pathsep.join([str(SITE_DIR), *paths])
        return env

    def mark(self) -> int:
        """A position in the log; `events(since=...)` returns what came after it."""
        try:
            return self.log.stat().st_size
        except FileNotFoundError:
            return 0

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        try:
            with self.log.open("rb") as handle:
                handle.seek(since)
                data = handle.read()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def violations(self, since: int = 0) -> list[dict[str, Any]]:
        return [e for e in self.events(since) if not e["local"]]

    def summary(self, since: int = 0) -> str:
        events = self.events(since)
        connects = [e for e in events if e["kind"] == "connect"]
        pids = {e["pid"] for e in events}
        bad = [e for e in events if not e["local"]]
        return (f"{len(connects)} socket connects from {len(pids)} processes, "
                f"{len(bad)} beyond loopback")


_GUARD: SocketGuard | None = None


def activate(log: Path | None = None) -> SocketGuard:
    """Install the recorder in this process and export it to subprocesses (idempotent)."""
    global _GUARD
    if _GUARD is None:
        if log is None:
            fd, name = tempfile.mkstemp(prefix="codepal-sockets-", suffix=".jsonl")
            os.close(fd)
            log = Path(name)
        _GUARD = SocketGuard(log)
        _core().install(str(log))
        os.environ.update({k: v for k, v in _GUARD.env().items() if k in (LOG_ENV, "PYTHONPATH")})
    return _GUARD


def describe(events: list[dict[str, Any]]) -> str:
    return "\n".join(f"  pid {e['pid']} {' '.join(map(str, e['argv0']))}: {e['kind']} {e['address']}"
                     for e in events[:20])


# -- pytest plugin (`-p tests.support.socket_guard`) -----------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    activate()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    guard = activate()
    since = guard.mark()
    result = yield
    bad = guard.violations(since)
    if bad:
        raise AssertionError(f"{item.nodeid} reached beyond loopback:\n{describe(bad)}")
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _GUARD is not None:
        terminalreporter.write_line(f"socket guard: {_GUARD.summary()} (log: {_GUARD.log})")
