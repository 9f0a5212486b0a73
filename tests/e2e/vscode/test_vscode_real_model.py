"""Ghost text from a model that writes code, in a real VS Code: code-server in headless chromium, the built
extension, the real `codepal lsp` and real vLLM serving the 135 M demo model (SmolLM2-135M-Instruct, as
`codepal serve` does without the R1 weights). Enter after a function's docstring → ghost text that is code
→ Tab → the file holds it and still parses.

It takes the README's VS Code screenshot: always to test-artifacts/vscode/, and to
docs/images/vscode-ghost-text.png when CODEPAL_UPDATE_DOCS_IMAGES is set. Greedy decoding makes the
suggestion the same on every run (as long as the deadline leaves the model its whole token budget).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codepal_lsp.server import LOG_FILE_ENV
from tests.e2e.vscode.test_vscode_e2e import ARTIFACTS, _cursor, _ghost
from tests.e2e.vscode.workbench import REPO, CodeServer, browser_page, prepared_code_server, status_of, wait_until
from tests.realmodel.conftest import DemoBed, demo_bed  # noqa: F401  (the real-model tier's engine)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.vllm, pytest.mark.realmodel,
              pytest.mark.timeout(900)]

DOCS_IMAGE = REPO / "docs" / "images" / "vscode-ghost-text.png"
FUNCTION = "is_prime"
# The cursor goes to the end (after the docstring); Enter indents into the body, where the model writes.
SOURCE = f'''import math


def area(radius):
    """The area of a circle."""
    return math.pi * radius ** 2


def {FUNCTION}(n):
    """Return True if n is a prime number."""'''
# Greedy, the default block budget and a long deadline: a 135 M model on a shared CPU writes about 13
# tokens a second. The first request of a fresh language server gets the whole budget (nothing measured
# yet to cut it to the deadline), so the model finishes the function.
SETTINGS = {"codepal.completion.temperature": 0, "codepal.completion.deadline_ms": 60000,
            "codepal.completion.max_tokens_block": 96}
SCREENSHOT_VIEWPORT = {"width": 1100, "height": 560}
SERVER_LOG = ARTIFACTS / "real-model-server.log"
FOCUS_JS = """() => `${document.hasFocus()} ${document.activeElement?.tagName}.${document.activeElement?.className}`
  + ` ${document.querySelector('.monaco-editor.focused') !== null}`"""
DEADLINE_S = SETTINGS["codepal.completion.deadline_ms"] / 1000
ASK_GRACE_S = 8  # VS Code sends its request within 50 ms of a keystroke; this is ample on a loaded CPU


def vscode_asked(server: CodeServer) -> bool:
    """Whether VS Code sent an inline completion request (its LSP trace, in the extension's log)."""
    return "Sending request 'textDocument/inlineCompletion" in server.extension_log()


def settled(read: Callable[[], str], value: str, quiet_s: float = 0.5) -> str:
    """`value` once reading it again gives the same text for `quiet_s` (the first line of ghost text
    and the lines under it are rendered separately)."""
    for _ in range(20):
        time.sleep(quiet_s)
        again = read()
        if again == value:
            return value
        value = again
    return value


def inline_requests(log: str) -> list[str]:
    """What the language server's log says about each inline completion request and its answer."""
    return [line.split(" DEBUG ", 1)[-1] for line in log.splitlines()
            if "inline completion" in line or "no completion" in line or "the model" in line
            or " engine " in line]


@pytest.fixture
def code_server(demo_bed: DemoBed, tmp_path: Path,  # noqa: F811
                monkeypatch: pytest.MonkeyPatch) -> Iterator[CodeServer]:
    for key, value in demo_bed.env.items():  # what a user without the R1 weights has
        monkeypatch.setenv(key, value)
    # The language server's whole log (each completion request, why it answered what it did), kept.
    SERVER_LOG.unlink(missing_ok=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv(LOG_FILE_ENV, str(SERVER_LOG))
    with prepared_code_server(tmp_path / "code-server", demo_bed.state_dir, ARTIFACTS, "real-model") as server:
        settings = server.user_data / "User" / "settings.json"
        values = json.loads(settings.read_text())
        values.update(SETTINGS)
        settings.write_text(json.dumps(values, indent=2))
        server.log_level = "trace"  # the client's side of each inline completion request, in its log
        yield server
    vllm_log = demo_bed.state_dir / "vllm.log"
    if vllm_log.exists():
        shutil.copy(vllm_log, ARTIFACTS / "real-model-vllm.log")


def _body_of(tree: ast.Module, name: str) -> list[ast.stmt]:
    found = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert found, f"no function {name} in the file"
    return found[0].body[1:]  # after the docstring


def test_real_ghost_text_is_code_and_tab_inserts_it(code_server: CodeServer, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float | int | str] = {}
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    main_py = workspace / "main.py"
    main_py.write_text(SOURCE)
    started = time.monotonic()
    code_server.start(workspace)

    console: list[str] = []
    with browser_page(ARTIFACTS) as page:
        page.on("console", lambda message: console.append(f"{time.strftime('%H:%M:%S', time.gmtime())} {message.text}"))
        page.set_viewport_size(SCREENSHOT_VIEWPORT)
        page.goto(code_server.url(workspace))
        page.locator(".monaco-workbench").wait_for(timeout=60_000)
        assert wait_until(lambda: status_of(page) == "codepal: ready", 120), f"status: {status_of(page)}"
        timings["workbench_ready_s"] = round(time.monotonic() - started, 1)

        page.keyboard.press("Control+P")
        page.locator(".quick-input-widget input").fill("main.py")
        page.locator(".quick-input-list .monaco-list-row", has_text="main.py").first.wait_for(timeout=15_000)
        page.keyboard.press("Enter")
        page.locator(".monaco-editor .view-lines").first.wait_for(timeout=30_000)
        page.keyboard.press("Control+B")  # the side bar away: the editor is what the screenshot shows
        page.locator(".monaco-editor textarea").first.focus()

        # Enter after the docstring, as a user starts the body. Right after the file opens Python's
        # indentation rules may not be loaded yet (the cursor would land in column 1): then once more.
        body_line = SOURCE.count("\n") + 2
        for attempt in range(2):
            timings["enter_attempts"] = attempt + 1
            page.keyboard.press("Control+End")
            page.keyboard.press("Enter")
            indented = wait_until(lambda: _cursor(page) == f"Ln {body_line}, Col 5", 5)
            if indented:
                break
            page.keyboard.press("Control+Z")
        assert indented, f"Enter did not indent the body: {_cursor(page)}"
        typed = time.monotonic()
        # Where the browser's focus is when the request should go out (VS Code stops inline suggestions
        # in an editor it takes to be unfocused).
        timings["focus"] = page.evaluate(FOCUS_JS)
        timings["enter_at"] = time.strftime("%H:%M:%S", time.gmtime())  # to find it in the logs
        # VS Code (code-server 4.100.3) at times sends no inline completion request after the Enter:
        # in 7 of 21 runs the language server logged no request (6 of them with VS Code's LSP trace: the
        # didChange and no request after it), although the browser's focus was in the editor's textarea.
        # In those runs VS Code also sent no textDocument/codeAction when the file opened, which it did in
        # every other run: the editor apparently did not have codepal's providers yet, and VS Code does
        # not ask again when they arrive. Then, as a user would, the explicit trigger (`vscode_asked`).
        # A request that VS Code did send is codepal's to answer, however slowly the shared CPU decodes
        # (up to the deadline): it is never cancelled by an explicit trigger, which would start it again.
        ghost = wait_until(lambda: _ghost(page).strip(), ASK_GRACE_S, 0.1) or ""
        timings["vscode_asked"] = vscode_asked(code_server)
        if not ghost and not timings["vscode_asked"]:
            timings["retriggered_after_s"] = round(time.monotonic() - typed, 1)
            page.keyboard.press("Alt+\\")  # the test profile binds it to the trigger
        ghost = ghost or wait_until(lambda: _ghost(page).strip(), DEADLINE_S + 15, 0.1) or ""
        ghost = settled(lambda: _ghost(page).strip(), ghost)
        timings["time_to_ghost_text_s"] = round(time.monotonic() - typed, 1)
        page.screenshot(path=str(ARTIFACTS / "20-real-ghost-text.png"))
        assert ghost, "no ghost text from the real model (see test-artifacts/vscode/20-real-ghost-text.png)"
        if os.environ.get("CODEPAL_UPDATE_DOCS_IMAGES"):
            page.locator(".monaco-workbench").screenshot(path=str(DOCS_IMAGE))

        page.keyboard.press("Tab")
        assert wait_until(lambda: not _ghost(page).strip(), 5), "the suggestion is still shown after Tab"
        page.keyboard.press("Control+S")
        saved = wait_until(lambda: main_py.read_text() != SOURCE and main_py.read_text(), 10)
        page.screenshot(path=str(ARTIFACTS / "21-real-accepted.png"))
    timings["total_s"] = round(time.monotonic() - started, 1)
    (ARTIFACTS / "real-model-browser-console.log").write_text("\n".join(console))

    assert saved, "Ctrl+S did not save the accepted suggestion"
    assert saved.startswith(SOURCE + "\n    "), saved
    inserted = saved[len(SOURCE) + len("\n    "):]
    (ARTIFACTS / "real-model-suggestion.txt").write_text(inserted)
    requests = inline_requests(SERVER_LOG.read_text() if SERVER_LOG.exists() else "")
    requests += [line for line in code_server.extension_log().splitlines()
                 if "inlineCompletion" in line or "cancelRequest" in line or "didChange'" in line]
    with capsys.disabled():
        print(f"\nvscode real model: {json.dumps(timings)}\nghost text shown: {ghost!r}\ninserted: {inserted!r}")
        print("language server:\n  " + "\n  ".join(requests))
    # What Tab inserted is what was shown, line by line (the DOM drops indentation at line starts).
    shown = " ".join(ghost.split())
    assert all(" ".join(line.split()) in shown for line in inserted.splitlines() if line.strip()), (ghost, inserted)
    # It is code: the file still parses, the function gained statements, and they use its parameter.
    body = _body_of(ast.parse(saved), FUNCTION)
    assert body, f"nothing but the docstring in {FUNCTION}: {inserted!r}"
    names = {node.id for stmt in body for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    assert "n" in names, f"the body never uses the parameter: {inserted!r}"
