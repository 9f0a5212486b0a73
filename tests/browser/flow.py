"""The "Fix this error" flow in a real browser, the same on every front end (JupyterLab 4.2, the newest
JupyterLab, Notebook 7): open a notebook, run it, click Fix this error under the error, read the outcome;
for a proposed fix, see the diff, Apply it, run the fixed cell again, and undo it with Ctrl-Z. In
JupyterLab, the status bar item's text and tooltip are read too (Notebook 7 has no status bar)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.browser.lab import REPO, Flavour, Lab

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts" / "browser"
SETTINGS = {"@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}

SOURCE_OF = "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()"
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""
# Run cell i as the user's Run button does; resolves when the kernel has answered. Returns its outputs.
RUN_CELL = """async i => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = i;
  await window.jupyterapp.commands.execute('notebook:run-cell');
  return notebook.widgets[i].model.outputs.toJSON();
}"""
# Back into the cell's editor, where Ctrl-Z undoes the cell's own edits.
EDIT_CELL = """i => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = i;
  notebook.mode = 'edit';
  notebook.widgets[i].editor.focus();
}"""
STATUS_ITEM = ".jp-codepal-StatusItem[data-state='ready']"


@dataclass
class Outcome:
    ok: bool  # a fix was proposed (and then applied and undone)
    message: str  # the panel's header or refusal
    diff: str = ""
    kernel_facts: str = ""  # the "Used from the kernel" list, as shown
    applied: str = ""  # the cell's source after Apply
    rerun_outputs: list[dict[str, Any]] = field(default_factory=list)  # the fixed cell's outputs, run again
    status_text: str = ""  # JupyterLab's status bar item (empty in Notebook 7, which has no status bar)
    status_tooltip: str = ""
    timings: list[tuple[str, float]] = field(default_factory=list)


def notebook_shot(page: Any, path: Path) -> None:
    """The notebook panel from its top to just below the fix panel, in a window tall enough for both
    (a real traceback is long); the window's size is restored afterwards."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1600})
    try:
        page.wait_for_timeout(500)  # the notebook lays itself out again
        panel = page.locator(".jp-NotebookPanel").bounding_box()
        fix = page.locator(".jp-codepal-FixPanel").bounding_box()
        assert panel and fix
        height = fix["y"] + fix["height"] + 16 - panel["y"]
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), clip={**panel, "height": min(height, panel["height"])})
    finally:
        page.set_viewport_size(size)


@contextmanager
def browser(profile: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860},
        )
        try:
            yield context
        finally:
            context.close()


def fix_flow(context: Any, lab: Lab, flavour: Flavour, notebook: str, cell: int, *, tag: str,
             result_timeout_s: float = 120, rerun: bool = False, docs_image: Path | None = None) -> Outcome:
    """Run `notebook` (its cell `cell` fails), ask for a fix, and follow it through Apply and Ctrl-Z; with
    `rerun`, the applied cell is run again before the undo and its outputs are kept in the outcome. With
    `docs_image`, the notebook with the proposed fix's diff is saved there (the README's picture)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{exc}\n{getattr(exc, 'stack', '')}"))
    timings: list[tuple[str, float]] = []
    started = time.monotonic()

    def step(name: str) -> None:
        nonlocal started
        timings.append((name, time.monotonic() - started))
        started = time.monotonic()

    def shot(name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{tag}-{flavour.name}-{name}.png"))

    try:
        page.goto(flavour.notebook_url(lab, notebook))
        page.wait_for_selector(f".jp-Notebook .jp-Cell >> nth={cell}", timeout=90_000)
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        step("open the notebook, kernel idle")
        status_text = status_tooltip = ""
        if flavour.is_lab:
            item = page.wait_for_selector(STATUS_ITEM, timeout=60_000)
            assert item is not None
            status_text, status_tooltip = item.inner_text(), item.get_attribute("title") or ""
            step("status bar: engine ready")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".jp-codepal-FixButton", timeout=60_000)
        original = page.evaluate(f"({SOURCE_OF})({cell})")
        step("run the cells: error + Fix button")
        shot("01-error")
        page.click(".jp-codepal-FixButton")
        page.wait_for_selector(".jp-codepal-Diff, .jp-codepal-FixPanel .jp-codepal-Message",
                               timeout=int(result_timeout_s * 1000))
        step("Fix this error: the outcome")
        shot("02-outcome")
        if page.locator(".jp-codepal-Diff").count() == 0:
            message = page.inner_text(".jp-codepal-FixPanel .jp-codepal-Message")
            assert page.locator(".jp-codepal-Apply").count() == 0
            assert page.evaluate(f"({SOURCE_OF})({cell})") == original  # a refusal changes nothing
            return Outcome(False, message, timings=timings, status_text=status_text,
                           status_tooltip=status_tooltip)
        diff = page.inner_text(".jp-codepal-Diff")
        if docs_image is not None:
            notebook_shot(page, docs_image)
        header = page.inner_text(".jp-codepal-FixPanel-header")
        facts = page.inner_text(".jp-codepal-KernelFacts") if page.locator(".jp-codepal-KernelFacts").count() else ""
        page.click(".jp-codepal-Apply")
        page.wait_for_function(f"({SOURCE_OF})({cell}) !== {json.dumps(original)}", timeout=10_000)
        applied = page.evaluate(f"({SOURCE_OF})({cell})")
        added = [line[2:] for line in diff.splitlines() if line.startswith("+ ")]
        assert all(line in applied.split("\n") for line in added), (diff, applied)
        step("Apply changes the cell")
        shot("03-applied")
        outputs: list[dict[str, Any]] = []
        if rerun:
            outputs = page.evaluate(RUN_CELL, cell)
            page.wait_for_function(KERNEL_IDLE, timeout=30_000)
            step("run the fixed cell again")
            shot("04-rerun")
            page.evaluate(EDIT_CELL, cell)
        page.keyboard.press("Control+z")
        page.wait_for_function(f"({SOURCE_OF})({cell}) === {json.dumps(original)}", timeout=10_000)
        step("Ctrl-Z restores the original")
        shot("05-undone")
        ours = [e for e in errors if "codepal" in e]  # a front end's own errors are reported, not ours to fail
        assert not ours, ours
        for error in errors:
            print(f"\n{flavour.name}: page error outside codepal: {error.splitlines()[0]}")
        return Outcome(True, header, diff, facts, applied, outputs, status_text, status_tooltip, timings)
    except Exception:
        shot("failure")
        raise
    finally:
        page.close()
