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
    record_status,
    status_history,
    status_of,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]

ARTIFACTS = REPO / "test-artifacts" / "vscode"
MAX_RESTARTS = 3  # the extension's RestartPolicy


def _restarted(page: object, state_dir: Path, old: list[int], since: int) -> bool:
    """A new language server process, and since label `since` the status went through "starting" (the
    restart) to "down" (the new server runs; there is no engine). A "down" alone may be the old server's
    still on screen: the test would then kill the new one before it has started."""
    labels = status_history(page)[since:]
    return ("codepal: starting" in labels[:-1] and labels[-1:] == ["codepal: down"]
            and bool(set(language_server_pids(state_dir)) - set(old)))


def _why(server: CodeServer, page: object) -> str:
    return f"status {status_history(page)}; extension log:\n{server.extension_log()[-3000:]}"


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
        record_status(page)
        # Running, but no engine anywhere: "down".
        assert wait_until(lambda: status_of(page) == "codepal: down", 90), status_of(page)

        for crash in range(1, MAX_RESTARTS + 2):
            pids = wait_until(lambda: language_server_pids(state_dir), 60)
            assert pids, f"no language server process before crash {crash}"
            since = len(status_history(page))
            for pid in pids:
                os.kill(pid, signal.SIGKILL)  # our own test's child process
            if crash <= MAX_RESTARTS:
                back = wait_until(partial(_restarted, page, state_dir, pids, since), 60)
                assert back, f"not restarted after crash {crash}: {_why(server, page)}"
        assert wait_until(lambda: status_of(page) == "codepal: crashed", 30), _why(server, page)
        time.sleep(1)
        assert not language_server_pids(state_dir), "restarted more than the policy allows"
        toast = page.locator(".notification-toast", has_text="will not be restarted")
        toast.first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "07-crashed.png"))
        text = toast.first.inner_text()
        assert "codepal.pythonPath" in text

        # The error's "Restart server" brings it back.
        since = len(status_history(page))
        toast.first.get_by_role("button", name="Restart server").click()
        back = wait_until(partial(_restarted, page, state_dir, [], since), 90)
        assert back, f"not restarted by the button: {_why(server, page)}"


def test_a_server_that_dies_while_starting_ends_with_the_actionable_error(tmp_path: Path) -> None:
    """A codepal that imports but whose server dies at start (a broken install): the restarts fail the same
    way, and the one message left in view says what happened and what to do. vscode-languageclient's own
    errors for each failed start ("couldn't create connection to server", "Restarting server failed") are
    forced notifications, which pushed this message out of view."""
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    # The injected fault: the real interpreter for everything (the extension's `import codepal` probe
    # included) but the language server, which writes an error and exits while it is being initialized.
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\ncase "$*" in *"-m codepal lsp"*) echo "RuntimeError: broken at start" >&2; '
                      f'sleep 0.3; exit 1;; esac\nexec {REPO / ".venv" / "bin" / "python"} "$@"\n')
    python.chmod(0o755)
    with prepared_code_server(tmp_path / "code-server", state_dir, ARTIFACTS, "restart-at-start") as server:
        settings = server.user_data / "User" / "settings.json"
        settings.write_text(settings.read_text().replace(str(REPO / ".venv" / "bin" / "python"), str(python)))
        workspace = tmp_path / "workspace"
        workspace.mkdir()
        server.start(workspace)
        with browser_page(ARTIFACTS) as page:
            page.goto(server.url(workspace))
            record_status(page)
            assert wait_until(lambda: status_of(page) == "codepal: crashed", 90), _why(server, page)
            toast = page.locator(".notification-toast", has_text="will not be restarted")
            toast.first.wait_for(timeout=10_000)
            time.sleep(1)  # any notification that would follow it
            page.screenshot(path=str(ARTIFACTS / "08-crashed-at-start.png"))
            assert toast.first.is_visible(), page.locator(".notification-toast").all_inner_texts()
            text = toast.first.inner_text()
            assert "stopped 4 times" in text and "RuntimeError: broken at start" in text, text
            assert "codepal.pythonPath" in text
