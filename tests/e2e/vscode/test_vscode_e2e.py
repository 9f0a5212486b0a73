"""The VS Code extension end to end, in a real VS Code (code-server 4.100.3) in headless chromium, with the
real `codepal lsp` and the real vLLM test bed (a tiny random model: its text is gibberish, so this checks
that ghost text appears, is accepted, and that Explain opens a preview, never the wording).

Screenshots and timings go to test-artifacts/vscode/ (the README's screenshot comes from the real model:
test_vscode_real_model.py).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.vscode.workbench import (
    REPO,
    CodeServer,
    browser_page,
    prepared_code_server,
    status_of,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.vllm, pytest.mark.timeout(1200)]

ARTIFACTS = REPO / "test-artifacts" / "vscode"
SOURCE = '''import math


def area(radius):
    """The area of a circle."""
    return math.pi * radius ** 2


def total(values):
    result = 0
    for value in values:
        result += value
    return result

'''
# Cursor spots where a block is wanted (Enter auto-indents into it), each a new prompt.
ATTEMPTS: list[tuple[str, list[str]]] = [
    (header, ["Enter"])
    for i in range(6)
    for header in (f"def handle{i}(value):", f"for item{i} in values:")
]
# Words of the preview while the model works (the server's progress messages and the initial status).
RUNNING = ("Thinking…", "thinking…", "waiting for the model", "writing the answer")
FIX_OUTCOMES = ("undo with", "no fix applied", "Fix failed")
GHOST = ", ".join(f".monaco-editor .{c}" for c in ("ghost-text-decoration", "ghost-text-decoration-preview",
                                                 "ghost-text"))


def _ghost(page: Any) -> str:
    return str("".join(page.locator(GHOST).all_inner_texts())).replace("\u00a0", " ")


def _editor_text(page: Any) -> str:
    return str(page.locator(".monaco-editor .view-lines").first.inner_text()).replace("\u00a0", " ")


def _toast(page: Any, needles: tuple[str, ...]) -> str | None:
    """The text of a notification containing one of `needles`."""
    for text in page.locator(".notifications-toasts .notification-toast").all_inner_texts():
        if any(needle in text for needle in needles):
            return str(text)
    return None


def _shows(page: Any, text: str) -> bool:
    return text in _editor_text(page)


def _cursor(page: Any) -> str:
    """The status bar's "Ln x, Col y"."""
    return str(page.locator("#status\\.editor\\.selection").first.inner_text()).strip()


def _command(page: Any, title: str) -> None:
    page.keyboard.press("F1")
    box = page.locator(".quick-input-widget input")
    box.wait_for(state="visible", timeout=10_000)
    box.fill(f">{title}")
    page.locator(".quick-input-list .monaco-list-row", has_text=title).first.wait_for(timeout=10_000)
    page.keyboard.press("Enter")


@pytest.fixture
def code_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[CodeServer]:
    # CODEPAL_E2E_STATE_DIR: reuse an engine already serving (`codepal serve` with that CODEPAL_STATE_DIR)
    # while iterating on this test; by default the session's vLLM test bed.
    reuse = os.environ.get("CODEPAL_E2E_STATE_DIR")
    state_dir = Path(reuse) if reuse else request.getfixturevalue("vllm_state_dir")
    with prepared_code_server(tmp_path / "code-server", state_dir, ARTIFACTS, "main") as server:
        yield server


def test_ghost_text_tab_explain_and_status(code_server: CodeServer, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float | str | bool] = {}
    assert any(line.startswith("codepal.codepal@") for line in code_server.installed_extensions())
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    main_py = workspace / "main.py"
    main_py.write_text(SOURCE)
    timings["code_server_start_s"] = round(code_server.start(workspace), 2)

    with browser_page(ARTIFACTS) as page:
        t0 = time.monotonic()
        page.goto(code_server.url(workspace))
        page.locator(".monaco-workbench").wait_for(timeout=60_000)
        page.locator(".statusbar").wait_for(timeout=60_000)
        timings["workbench_load_s"] = round(time.monotonic() - t0, 2)
        t1 = time.monotonic()
        # Activation (onStartupFinished) shows the status bar item at once.
        assert wait_until(lambda: status_of(page), 60), "the codepal status bar item never appeared"
        timings["extension_activation_s"] = round(time.monotonic() - t1, 2)
        assert wait_until(lambda: status_of(page) == "codepal: ready", 120), f"status: {status_of(page)}"
        timings["status_ready_s"] = round(time.monotonic() - t1, 2)
        page.screenshot(path=str(ARTIFACTS / "01-status-ready.png"))

        # Open main.py (Quick Open) and type where a block is wanted.
        page.keyboard.press("Control+P")
        page.locator(".quick-input-widget input").fill("main.py")
        page.locator(".quick-input-list .monaco-list-row", has_text="main.py").first.wait_for(timeout=15_000)
        page.keyboard.press("Enter")
        editor = page.locator(".monaco-editor .view-lines").first
        editor.wait_for(timeout=30_000)
        page.locator(".monaco-editor textarea").first.focus()
        page.keyboard.press("Control+End")

        # The random model's text is gibberish and post-processing drops much of it (the profile sets
        # temperature 0, which helps): try a few spots, as the language server's own tests do. Each
        # attempt resets the file from disk (File: Revert File) and types the last keys for real (Enter
        # auto-indents into the block).
        ghost = ""
        attempts = 0
        for attempts, (header, keys) in enumerate(ATTEMPTS, start=1):  # noqa: B007
            main_py.write_text(SOURCE + header)
            page.keyboard.press("Control+Alt+R")
            last = header.splitlines()[-1].strip()
            loaded = wait_until(partial(_shows, page, last), 10)
            assert loaded, f"File: Revert File did not load {last!r}"
            page.keyboard.press("Control+End")
            for key in keys:
                page.keyboard.press(key)
            t_key = time.monotonic()
            # Right after the file opens, Python's indentation rules may not be loaded yet: a block whose
            # Enter did not indent is no block (the suggestion would sit at column 1); take the next spot.
            line = f"Ln {(SOURCE + header).count(chr(10)) + 2},"
            wait_until(lambda line=line: _cursor(page).startswith(line), 2)  # type: ignore[misc]
            if _cursor(page).endswith("Col 1"):
                continue
            ghost = wait_until(lambda: _ghost(page).strip(), 5, 0.05) or ""
            if not ghost:  # once more, explicitly (the test profile binds Alt+\ to the trigger)
                page.keyboard.press("Alt+\\")
                t_key = time.monotonic()
                ghost = wait_until(lambda: _ghost(page).strip(), 3, 0.05) or ""
            if ghost:
                timings["time_to_ghost_text_s"] = round(time.monotonic() - t_key, 2)
                break
        timings["ghost_attempts"] = attempts
        page.screenshot(path=str(ARTIFACTS / "02-ghost-text.png"))
        assert ghost, "no ghost text from codepal (see test-artifacts/vscode/02-ghost-text.png)"
        # The bar: ghost text within 3 s of the last keystroke on the tiny model.
        assert float(timings["time_to_ghost_text_s"]) <= 3.0, timings

        # Tab accepts: the suggestion becomes text (no ghost left, its words in the line) and the cursor
        # moves to its end.
        cursor_before = _cursor(page)
        page.keyboard.press("Tab")
        assert wait_until(lambda: not _ghost(page).strip(), 5), "the suggestion is still shown after Tab"
        after = _editor_text(page)
        head = ghost.split()[0][:12]
        assert head in after, (ghost, after)
        assert wait_until(lambda: _cursor(page) != cursor_before, 5), f"the cursor stayed at {cursor_before}"
        timings["accepted_cursor"] = f"{cursor_before} -> {_cursor(page)}"
        page.screenshot(path=str(ARTIFACTS / "03-accepted.png"))

        # Explain the whole file: a markdown preview opens beside the editor and streams.
        page.keyboard.press("Control+A")
        t2 = time.monotonic()
        _command(page, "codepal: Explain")
        tab = page.locator(".tabs-container .tab", has_text="Explain")
        tab.first.wait_for(timeout=30_000)
        timings["explain_preview_open_s"] = round(time.monotonic() - t2, 2)

        def preview_text() -> str:
            texts = []
            for frame in page.frames:
                if frame == page.main_frame:  # the workbench (its notifications say "codepal: Explain" too)
                    continue
                try:
                    texts.append(frame.locator("body").inner_text(timeout=500))
                except Exception:  # frames come and go while the webview loads
                    continue
            return "\n".join(t for t in texts if "codepal: Explain" in t)

        rendered = wait_until(preview_text, 90, 0.5) or ""
        assert "codepal: Explain" in rendered, "the preview did not render the explanation document"
        # While the model thinks, the preview shows the server's progress ("thinking… N tokens · …").
        streamed = wait_until(lambda: any(w in preview_text() for w in RUNNING), 60, 0.3)
        timings["explain_streamed_progress"] = bool(streamed)
        if streamed:
            page.screenshot(path=str(ARTIFACTS / "04-explain-streaming.png"))
        finished = wait_until(lambda: not any(w in preview_text() for w in RUNNING), 240, 1.0)
        text = preview_text()
        (ARTIFACTS / "explain-preview.txt").write_text(text)
        page.screenshot(path=str(ARTIFACTS / "05-explain-answer.png"))
        assert finished, f"Explain did not finish: {text[-300:]}"
        timings["explain_answer_s"] = round(time.monotonic() - t2, 2)
        timings["explain_failed"] = "Explain failed" in text
        assert "Explain failed" not in text, text

        # Fix this bug: one versioned edit applied (undoable), or a message why not. The random model's
        # "fix" rarely parses, so either outcome is accepted; an applied one must undo with Ctrl+Z.
        page.locator(".monaco-editor textarea").first.focus()
        page.keyboard.press("Control+A")
        before_fix = _editor_text(page)
        t3 = time.monotonic()
        _command(page, "codepal: Fix this bug")
        outcome = wait_until(partial(_toast, page, FIX_OUTCOMES), 300, 0.5)
        page.screenshot(path=str(ARTIFACTS / "06-fix-outcome.png"))
        assert outcome, "no outcome of codepal: Fix this bug"
        timings["fix_s"] = round(time.monotonic() - t3, 2)
        timings["fix_outcome"] = outcome.splitlines()[0][:160]
        assert "Fix failed" not in outcome, outcome
        if "undo with" in outcome:
            page.locator(".monaco-editor textarea").first.focus()
            page.keyboard.press("Control+Z")
            assert wait_until(lambda: _editor_text(page) == before_fix, 5), "Ctrl+Z did not undo the fix"
            timings["fix_undone"] = True
        assert status_of(page) == "codepal: ready"

    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2))
    with capsys.disabled():
        print("\nvscode e2e timings: " + ", ".join(f"{k}={v}" for k, v in timings.items()))
