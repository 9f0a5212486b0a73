"""The extension's restart policy in a real VS Code: the language server is killed; it comes back a few
times, then the status bar says crashed and an error offers what to do; "Restart server" brings it back.
No model server is needed: the engine is simply absent (the status bar says down)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.e2e.vscode.workbench import (
    REPO,
    CodeServer,
    browser_page,
    language_server_pids,
    prepared_code_server,
    status_of,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]

ARTIFACTS = REPO / "test-artifacts" / "vscode"
MAX_RESTARTS = 3  # the extension's RestartPolicy


def _restarted(page: object, state_dir: Path, old: list[int]) -> bool:
    return bool(set(language_server_pids(state_dir)) - set(old)) and status_of(page) == "codepal: down"


@pytest.fixture
def no_engine(tmp_path: Path) -> Iterator[tuple[CodeServer, Path]]:
    state_dir = tmp_path / "no-engine-state"
    state_dir.mkdir()
    with prepared_code_server(tmp_path / "code-server", state_dir, ARTIFACTS, "restart") as server:
        yield server, state_dir


def test_restarts_after_crashes_then_gives_an_actionable_error(no_engine: tuple[CodeServer, Path]) -> None:
    server, state_dir = no_engine
    workspace = state_dir.parent / "workspace"
    workspace.mkdir()
    (workspace / "main.py").write_text("print('hello')\n")
    server.start(workspace)
    with browser_page(ARTIFACTS) as page:
        page.goto(server.url(workspace))
        page.locator(".statusbar").wait_for(timeout=60_000)
        # Running, but no engine anywhere: "down".
        assert wait_until(lambda: status_of(page) == "codepal: down", 90), status_of(page)

        for crash in range(1, MAX_RESTARTS + 2):
            pids = wait_until(lambda: language_server_pids(state_dir), 60)
            assert pids, f"no language server process before crash {crash}"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)  # our own test's child process
            if crash <= MAX_RESTARTS:
                back = wait_until(partial(_restarted, page, state_dir, pids), 60)
                assert back, f"not restarted after crash {crash}: {status_of(page)}"
        assert wait_until(lambda: status_of(page) == "codepal: crashed", 30), status_of(page)
        time.sleep(1)
        assert not language_server_pids(state_dir), "restarted more than the policy allows"
        toast = page.locator(".notification-toast", has_text="will not be restarted")
        toast.first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "07-crashed.png"))
        text = toast.first.inner_text()
        assert "codepal.pythonPath" in text

        # The error's "Restart server" brings it back.
        toast.first.get_by_role("button", name="Restart server").click()
        assert wait_until(lambda: status_of(page) == "codepal: down", 90), status_of(page)
        assert language_server_pids(state_dir)
