"""JupyterLab in headless Chromium: "Fix this error" end to end, cancel, Explain, and ghost text, typed
and asked for with Alt+\\ (sent to the server as invoked).

A real JupyterLab (loopback, random port, token) with the codepal extensions talks to a fake model server
scripted with a real fix for a NameError; Debian's chromium is driven by Playwright (never downloaded).
Screenshots go to test-artifacts/browser/ (the README's picture comes from the real model's run,
tests/realmodel/test_jupyter_browser.py).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.flow import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, KERNEL_IDLE, SETTINGS, SOURCE_OF, browser
from tests.browser.lab import Lab, RoutedFake, notebook, start_lab
from tests.support.fake_openai import Behaviour

pytestmark = [pytest.mark.slow, pytest.mark.browser]

BROKEN = 'total = sum(price)\nprint(f"Total: {total:.2f}")'
FIXED = 'total = sum(prices)\nprint(f"Total: {total:.2f}")'
THINKING = ["The error says `price` is not defined. ", "An earlier cell defines `prices`, ",
            "a list of numbers, ", "so this is a typo in the name."]
FIX_ANSWER = f"```python\n{FIXED}\n```\nUse the list `prices` defined in the earlier cell."


@pytest.fixture
def fake() -> Iterator[RoutedFake]:
    server = RoutedFake().start()
    yield server
    server.stop()


@pytest.fixture
def lab(tmp_path: Path, fake: RoutedFake) -> Iterator[Lab]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    server = start_lab(tmp_path / "lab", {"engine_url": fake.url}, SETTINGS)
    cells = [("markdown", "# Shopping total"), ("code", "prices = [3.5, 2.0, 4.25]"), ("code", BROKEN)]
    (server.root / "shopping.ipynb").write_text(json.dumps(notebook(cells)))
    yield server
    server.stop()


class Timings:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.rows.append((name, time.monotonic() - started))

    def report(self) -> None:
        print("\nbrowser test timings:")
        for name, seconds in self.rows:
            print(f"  {name:<42} {seconds:6.2f} s")


def test_fix_this_error_apply_undo_cancel_explain_and_ghost_text(lab: Lab, fake: RoutedFake,
                                                                tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings = Timings()
    shots: list[Path] = []

    def shot(name: str, target: object = None) -> None:
        path = ARTIFACTS / f"{name}.png"
        (target or page).screenshot(path=str(path))  # type: ignore[attr-defined]
        shots.append(path)

    fake.chat = Behaviour(chunks=[*[(t, None) for t in THINKING], (None, FIX_ANSWER)], chunk_delay_s=0.4)
    fake.completion = Behaviour(chunks=["i * radius", " ** 2"])
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860},
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            with timings.step("open the notebook, kernel idle"):
                page.goto(f"{lab.url}lab/tree/shopping.ipynb?token={lab.token}")
                page.wait_for_selector(".jp-NotebookPanel .jp-Cell >> nth=2", timeout=60_000)
                page.wait_for_function(KERNEL_IDLE, timeout=60_000)
            with timings.step("status bar shows the engine ready"):
                page.wait_for_selector(".jp-codepal-StatusItem[data-state='ready']", timeout=30_000)

            with timings.step("run the cells: NameError + Fix button"):
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_selector(".jp-codepal-FixButton", timeout=60_000)
            shot("01-name-error")

            with timings.step("click Fix: thinking streams"):
                page.click(".jp-codepal-FixButton")
                page.wait_for_selector(".jp-codepal-Thinking-text:has-text('typo')", timeout=30_000)
            shot("02-thinking")
            with timings.step("proposed fix shown as a diff"):
                page.wait_for_selector(".jp-codepal-Diff", timeout=60_000)
            diff = page.inner_text(".jp-codepal-Diff")
            assert "- total = sum(price)" in diff and "+ total = sum(prices)" in diff, diff
            shot("03-diff")

            with timings.step("Apply changes the cell"):
                page.click(".jp-codepal-Apply")
                page.wait_for_function(f"({SOURCE_OF})(2) === {json.dumps(FIXED)}", timeout=10_000)
            shot("04-applied")
            with timings.step("Ctrl-Z restores the original"):
                page.keyboard.press("Control+z")
                page.wait_for_function(f"({SOURCE_OF})(2) === {json.dumps(BROKEN)}", timeout=10_000)
            shot("05-undone")

            # Cancel while thinking: the browser drops the stream and the model server sees it closed.
            fake.chat = Behaviour(chunks=[("still thinking… ", None)] * 400, chunk_delay_s=0.2)
            with timings.step("Cancel stops the generation"):
                page.click(".jp-codepal-FixButton")
                page.wait_for_selector(".jp-codepal-Thinking-text:has-text('still thinking')", timeout=30_000)
                page.click(".jp-codepal-Cancel")
                page.wait_for_selector(".jp-codepal-Message:has-text('Cancelled')", timeout=10_000)
                deadline = time.monotonic() + 10
                while not fake.chat_requests()[-1].closed_by_client:
                    assert time.monotonic() < deadline, "the model stream stayed open after Cancel"
                    time.sleep(0.1)
            page.click(".jp-codepal-Dismiss")

            explanation = "Adds up `prices` and prints the **total** with 2 decimals."
            fake.chat = Behaviour(chunks=[("Reading the cell.", None), (None, explanation)])
            with timings.step("Explain from the cell context menu"):
                page.click(".jp-NotebookPanel .jp-Cell >> nth=2", button="right")
                page.click(".lm-Menu-item:has-text('codepal: Explain This Code')")
                page.wait_for_selector(".jp-codepal-Explain-answer strong:has-text('total')", timeout=30_000)
            shot("06-explain")

            with timings.step("ghost text while typing"):
                page.evaluate("window.jupyterapp.commands.execute('notebook:insert-cell-below')")
                page.keyboard.press("Enter")  # edit mode
                page.keyboard.type("import math\nradius = 2.0\narea = math.p", delay=40)
                ghost = page.wait_for_selector(".jp-GhostText", timeout=30_000)
                assert ghost is not None
                page.wait_for_function(
                    "() => document.querySelector('.jp-GhostText').textContent.includes('i * radius ** 2')",
                    timeout=10_000,
                )
            shot("07-ghost-text")
            assert not errors, errors
        except Exception:
            shot("failure")
            print(f"JupyterLab log: {lab.log}")
            raise
        finally:
            timings.report()
            print("screenshots:", *map(str, shots), sep="\n  ")
            context.close()
    shutil.copy(lab.log, ARTIFACTS / "jupyterlab.log")


COMPLETE_ROUTE = "/codepal/complete"  # inline.ts → api.ts `complete`; jupyter_ext/handlers.py CompleteHandler
ACTIVE_SOURCE = "() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.getSource()"
GHOST_HAS = "t => { const g = document.querySelector('.jp-GhostText'); return !!g && g.textContent.includes(t); }"
TYPED = "import math\nradius = 2.0\narea = math.p"
TYPED_ANSWER = "i * radius ** 2"
INVOKED_ANSWER = "print(round(area, 2))"


def test_alt_backslash_sends_an_invoked_request_and_typing_does_not(lab: Lab, fake: RoutedFake,
                                                                      tmp_path: Path) -> None:
    """Typing sends automatic requests (`invoked: false`); JupyterLab's `inline-completer:invoke` key (Alt+\\,
    the default of @jupyterlab/completer-extension's inline-completer shortcuts) on an empty line, where
    JupyterLab never asks on its own, sends one with `invoked: true`, whose answer shows as ghost text and
    Tab accepts."""
    from playwright.sync_api import Request
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    sent: list[dict[str, object]] = []  # the bodies sent to the completion route, in order
    in_flight: set[Request] = set()

    def is_complete(request: Request) -> bool:
        return request.method == "POST" and request.url.split("?")[0].endswith(COMPLETE_ROUTE)

    def on_request(request: Request) -> None:
        if is_complete(request):
            sent.append(request.post_data_json)
            in_flight.add(request)

    fake.completion = Behaviour(chunks=[TYPED_ANSWER])
    with browser(tmp_path / "profile") as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", on_request)
        page.on("requestfinished", lambda request: in_flight.discard(request))
        # an automatic request aborted by the next keystroke
        page.on("requestfailed", lambda request: in_flight.discard(request))
        try:
            page.goto(f"{lab.url}lab/tree/shopping.ipynb?token={lab.token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell >> nth=2", timeout=60_000)
            page.wait_for_function(KERNEL_IDLE, timeout=60_000)
            page.wait_for_selector(".jp-codepal-StatusItem[data-state='ready']", timeout=30_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:insert-cell-below')")
            page.keyboard.press("Enter")  # edit mode

            page.keyboard.type(TYPED, delay=40)
            page.wait_for_function(GHOST_HAS, arg=TYPED_ANSWER, timeout=30_000)
            typed = list(sent)
            assert typed, "typing sent no completion request"
            assert all(body["invoked"] is False for body in typed), typed
            page.keyboard.press("Tab")
            accepted = f"{TYPED}{TYPED_ANSWER}"
            page.wait_for_function(f"() => ({ACTIVE_SOURCE})() === {json.dumps(accepted)}", timeout=10_000)

            # A new, empty line: JupyterLab asks on its own only after non-blank text, so nothing has answered
            # here. Past JupyterLab's 150 ms wait, any request the accepted text started has been sent; it
            # must end before the key is pressed.
            page.keyboard.press("Enter")
            page.wait_for_timeout(500)
            deadline = time.monotonic() + 15
            while in_flight:
                assert time.monotonic() < deadline, "the typing's completion requests did not end"
                page.wait_for_timeout(100)
            assert all(body["invoked"] is False for body in sent), sent
            before = len(sent)
            fake.completion = Behaviour(chunks=[INVOKED_ANSWER])
            try:
                with page.expect_request(lambda r: is_complete(r) and r.post_data_json.get("invoked") is True,
                                         timeout=10_000) as invoked:
                    page.keyboard.press("Alt+Backslash")
            except PlaywrightTimeout:
                pytest.fail(f"Alt+\\ sent no request with invoked: true; it sent {sent[before:]}")
            body = invoked.value.post_data_json
            assert body["offset"] == len(accepted) + 1, body  # the start of the new line (UTF-16 = str here)
            page.wait_for_function(GHOST_HAS, arg=INVOKED_ANSWER, timeout=30_000)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "08-invoked-ghost-text.png"))
            assert sent[before:] and all(b["invoked"] is True for b in sent[before:]), sent[before:]

            page.keyboard.press("Tab")
            final = f"{accepted}\n{INVOKED_ANSWER}"
            page.wait_for_function(f"() => ({ACTIVE_SOURCE})() === {json.dumps(final)}", timeout=10_000)
            assert not errors, errors
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "invoke-failure.png"))
            print(f"JupyterLab log: {lab.log}\nrequests sent: {sent}")
            raise
