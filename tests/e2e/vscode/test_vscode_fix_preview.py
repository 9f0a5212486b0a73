"""VS Code shows a fix in its refactor preview before it lands: code-server in headless chromium, the
built extension and the real `codepal lsp`, answering from a scripted R1-style server (the random test
model's code never passes verification, and what is tested here is the editor's confirmation).

"codepal: Fix this bug" on the whole file → the Refactor Preview panel (Apply / Discard) while the
editor still shows the bug; VS Code lists a change that needs confirmation unticked → tick it, Apply →
the fixed line is in the editor and, saved, on disk. The same fix
again → Discard → nothing changed. Screenshots go to test-artifacts/vscode/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.vscode.test_vscode_e2e import ARTIFACTS, _command, _editor_text, _toast
from tests.e2e.vscode.workbench import CodeServer, browser_page, prepared_code_server, status_of, wait_until
from tests.support.fake_openai import Behaviour, FakeOpenAI

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]

BUGGY = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\ndef name():\n    return 'circle'\n"
FIXED = BUGGY.replace("r * 2", "r ** 2")
PANEL = ".part.panel"


def r1_fix() -> Behaviour:
    return Behaviour(chunks=[("The area of a circle is pi r squared; the code doubles r.", ""),
                             ("", "Here is the corrected code:\n\n```python\n" + FIXED + "```\n\n"),
                             ("", "I squared the radius.")], chunk_delay_s=0.05)


@pytest.fixture
def code_server(tmp_path: Path, fake_openai: FakeOpenAI) -> Iterator[CodeServer]:
    state_dir = tmp_path / "state"  # no engine recorded: the settings point at the scripted server
    state_dir.mkdir()
    with prepared_code_server(tmp_path / "code-server", state_dir, ARTIFACTS, "fix-preview") as server:
        settings = server.user_data / "User" / "settings.json"
        values = json.loads(settings.read_text())
        values["codepal.engine.url"] = fake_openai.url
        settings.write_text(json.dumps(values, indent=2))
        yield server


def _preview_button(page: Any, label: str) -> Any:
    return page.locator(f"{PANEL} .monaco-button", has_text=label).first


def _preview_shown(page: Any) -> bool:
    try:
        return bool(_preview_button(page, "Apply").is_visible() and _preview_button(page, "Discard").is_visible())
    except Exception:  # the panel is being built
        return False


def _fix_whole_file(page: Any) -> None:
    page.locator(".monaco-editor textarea").first.focus()
    page.keyboard.press("Control+A")
    _command(page, "codepal: Fix this bug")


def test_a_fix_waits_in_the_refactor_preview_until_applied_or_discarded(
    code_server: CodeServer, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    main_py = workspace / "main.py"
    main_py.write_text(BUGGY)
    code_server.start(workspace)
    fake_openai.push(r1_fix(), r1_fix())
    with browser_page(ARTIFACTS) as page:
        page.goto(code_server.url(workspace))
        page.locator(".monaco-workbench").wait_for(timeout=60_000)
        assert wait_until(lambda: status_of(page) == "codepal: ready", 120), f"status: {status_of(page)}"
        page.keyboard.press("Control+P")
        page.locator(".quick-input-widget input").fill("main.py")
        page.locator(".quick-input-list .monaco-list-row", has_text="main.py").first.wait_for(timeout=15_000)
        page.keyboard.press("Enter")
        page.locator(".monaco-editor .view-lines").first.wait_for(timeout=30_000)
        assert wait_until(lambda: "r * 2" in _editor_text(page), 10)

        # Apply: the preview first, the document untouched meanwhile; then the fix.
        _fix_whole_file(page)
        shown = wait_until(lambda: _preview_shown(page), 60, 0.3)
        page.screenshot(path=str(ARTIFACTS / "10-fix-preview.png"))
        assert shown, "no refactor preview (see test-artifacts/vscode/10-fix-preview.png)"
        panel = page.locator(PANEL).first.inner_text()
        assert "main.py" in panel, panel
        assert "r * 2" in _editor_text(page) and main_py.read_text() == BUGGY  # nothing changed yet
        # VS Code lists a change that needs confirmation unticked: the user ticks it, then applies.
        boxes = page.locator(f"{PANEL} .monaco-list-row input[type=checkbox]")
        assert boxes.count() >= 2 and not boxes.first.is_checked()
        boxes.first.check()  # the file's box ticks its changes
        page.screenshot(path=str(ARTIFACTS / "11-fix-preview-ticked.png"))
        _preview_button(page, "Apply").click()
        assert wait_until(lambda: "r ** 2" in _editor_text(page), 10), _editor_text(page)
        assert wait_until(lambda: _toast(page, ("squared the radius",)), 10)
        page.screenshot(path=str(ARTIFACTS / "12-fix-applied.png"))
        page.locator(".monaco-editor textarea").first.focus()
        page.keyboard.press("Control+S")
        assert wait_until(lambda: main_py.read_text() == FIXED, 10), main_py.read_text()

        # Discard: the same fix offered again on the buggy file, refused in the preview.
        main_py.write_text(BUGGY)
        page.keyboard.press("Control+Alt+R")  # File: Revert File (the test profile's binding)
        assert wait_until(lambda: "r * 2" in _editor_text(page), 10)
        _fix_whole_file(page)
        assert wait_until(lambda: _preview_shown(page), 60, 0.3), "no refactor preview the second time"
        _preview_button(page, "Discard").click()
        outcome = wait_until(lambda: _toast(page, ("discarded in the preview",)), 15)
        page.screenshot(path=str(ARTIFACTS / "13-fix-discarded.png"))
        assert outcome, "no message that the fix was discarded"
        assert "r * 2" in _editor_text(page) and "r ** 2" not in _editor_text(page)
        assert main_py.read_text() == BUGGY
    assert len(fake_openai.generation_requests()) == 2
