"""A real VS Code for the extension's end-to-end test: code-server with a fresh profile, the built
.vsix installed, driven in Debian's headless chromium by Playwright (its Node driver is playwright-core).

Nothing here downloads anything: code-server comes from the user's cache (scripts/vscode-code-server.sh
installs it once from the npm registry) and the browser is Debian's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
CLIENT = REPO / "vscode-client"
VSIX = CLIENT / "codepal.vsix"
CHROMIUM = os.environ.get("CODEPAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# The test profile: no welcome page, no trust prompt, no suggest widget competing with ghost text for Tab.
USER_SETTINGS: dict[str, Any] = {
    "workbench.startupEditor": "none",
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "workbench.tips.enabled": False,
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoUpdate": False,
    "extensions.autoCheckUpdates": False,
    "extensions.ignoreRecommendations": True,
    "git.enabled": False,
    "chat.commandCenter.enabled": False,
    "editor.inlineSuggest.enabled": True,
    "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
    "editor.suggestOnTriggerCharacters": False,
    "editor.wordBasedSuggestions": "off",
    "editor.minimap.enabled": False,
    "files.autoSave": "off",
    # The LSP traffic goes to the codepal output channel, kept as test-artifacts/vscode/extension.log.
    "codepal.trace.server": "messages",
    # Sent to the server as initializationOptions: greedy decoding makes the tiny random model's output
    # less repetitive, so fewer suggestions are dropped as degenerate.
    "codepal.completion.temperature": 0,
}
# VS Code 1.100 has no default key for "Trigger Inline Suggestion"; the test also reverts the file to
# reset it between attempts.
KEYBINDINGS = [
    {"key": "alt+\\", "command": "editor.action.inlineSuggest.trigger", "when": "editorTextFocus"},
    {"key": "ctrl+alt+r", "command": "workbench.action.files.revert"},
]


STATUS = '.statusbar-item [aria-label^="codepal:"], .statusbar-item[aria-label^="codepal:"]'


def status_of(page: Any) -> str | None:
    items = page.locator(STATUS)
    return items.first.get_attribute("aria-label") if items.count() else None


# Every label the status item takes, recorded in the page as it changes. The DOM trails the extension
# host: right after a crash it may still read the old server's "codepal: down" while the new server is
# being started, so a label read once cannot tell the new server's state from the old one's.
_RECORD_STATUS = """(selector) => {
    if (window.__codepalStatus !== undefined) { return; }
    const seen = window.__codepalStatus = [];
    const read = () => {
        const item = document.querySelector(selector);
        const label = item === null ? null : item.getAttribute("aria-label");
        if (seen.length === 0 || seen[seen.length - 1] !== label) { seen.push(label); }
    };
    new MutationObserver(read).observe(document.querySelector(".statusbar"),
        { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"] });
    read();
}"""


def record_status(page: Any) -> None:
    """Start recording the status item's labels (once the status bar is shown); see `status_history`."""
    page.locator(".statusbar").wait_for(timeout=60_000)
    page.evaluate(_RECORD_STATUS, STATUS)


def status_history(page: Any) -> list[str | None]:
    """The labels the status item took since `record_status`, oldest first, without repeats."""
    return list(page.evaluate("() => window.__codepalStatus.slice()"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sources_newer_than(target: Path) -> bool:
    if not target.exists():
        return True
    built = target.stat().st_mtime
    sources = [CLIENT / "package.json", CLIENT / "package-lock.json", *(CLIENT / "src").rglob("*.ts")]
    return any(p.stat().st_mtime > built for p in sources)


def build_vsix() -> Path:
    """The .vsix from scripts/vscode-build.sh, rebuilt when a source is newer."""
    if sources_newer_than(VSIX):
        subprocess.run(["bash", str(REPO / "scripts" / "vscode-build.sh")], check=True)
    return VSIX


def code_server_binary() -> Path:
    """code-server 4.100.3 from the user's cache, installed there when missing."""
    out = subprocess.run(["bash", str(REPO / "scripts" / "vscode-code-server.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return Path(out.strip().splitlines()[-1])


@dataclass
class CodeServer:
    binary: Path
    root: Path  # holds user-data, extensions, config, logs
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # "trace" puts the LSP traffic that `codepal.trace.server` reports (each request, response and
    # $/cancelRequest, with times) into the extension's log: its output channel shows info and up otherwise.
    log_level: str | None = None

    @property
    def user_data(self) -> Path:
        return self.root / "user-data"

    @property
    def extensions(self) -> Path:
        return self.root / "extensions"

    def _base_args(self) -> list[str]:
        return [str(self.binary), "--user-data-dir", str(self.user_data), "--extensions-dir",
                str(self.extensions), "--config", str(self.root / "config.yaml")]

    def prepare(self, vsix: Path) -> None:
        user = self.user_data / "User"
        user.mkdir(parents=True, exist_ok=True)
        (user / "settings.json").write_text(json.dumps(USER_SETTINGS, indent=2))
        (user / "keybindings.json").write_text(json.dumps(KEYBINDINGS, indent=2))
        (self.root / "config.yaml").write_text("auth: none\ncert: false\n")
        subprocess.run([*self._base_args(), "--install-extension", str(vsix), "--force"], check=True,
                       env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)

    def installed_extensions(self) -> list[str]:
        out = subprocess.run([*self._base_args(), "--list-extensions", "--show-versions"], check=True,
                             env=self.env, capture_output=True, text=True, timeout=120).stdout
        return [line for line in out.splitlines() if "@" in line]

    def start(self, workspace: Path, timeout: float = 120) -> float:
        """Start and wait until it answers; returns the seconds it took."""
        t0 = time.monotonic()
        log = (self.root / "code-server.log").open("wb")
        self.process = subprocess.Popen(
            [*self._base_args(), "--auth", "none", "--bind-addr", f"127.0.0.1:{self.port}",
             "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
             "--disable-getting-started-override", *(["--log", self.log_level] if self.log_level else []),
             str(workspace)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        while time.monotonic() - t0 < timeout:
            if self.process.poll() is not None:
                log_text = (self.root / "code-server.log").read_text()[-2000:]
                raise RuntimeError(f"code-server exited: {log_text}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("code-server did not answer")

    def url(self, workspace: Path) -> str:
        return f"http://127.0.0.1:{self.port}/?folder={workspace}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)  # its own session: code-server, the extension host, codepal lsp
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(5)

    def extension_log(self) -> str:
        """The extension's output channel (a LogOutputChannel is written under the window's logs)."""
        logs = sorted((self.user_data / "logs").rglob("*codepal*.log"), key=lambda p: p.stat().st_mtime)
        return "\n".join(p.read_text(errors="replace") for p in logs)


@contextmanager
def prepared_code_server(root: Path, state_dir: Path, artifacts: Path, log_name: str) -> Iterator[CodeServer]:
    """A code-server with the built .vsix installed and the test profile, whose language server runs from
    the project's venv (`<python> -m codepal lsp`) and finds the engine through `state_dir`. Its logs are
    kept in `artifacts` afterwards."""
    ensure_chromium()
    vsix = build_vsix()
    env = {**os.environ, "CODEPAL_STATE_DIR": str(state_dir), "HF_HUB_OFFLINE": "1"}
    server = CodeServer(code_server_binary(), root, env)
    root.mkdir(parents=True)
    server.prepare(vsix)
    settings = server.user_data / "User" / "settings.json"
    values = json.loads(settings.read_text())
    values["codepal.pythonPath"] = str(REPO / ".venv" / "bin" / "python")
    settings.write_text(json.dumps(values, indent=2))
    try:
        yield server
    finally:
        server.stop()
        artifacts.mkdir(parents=True, exist_ok=True)
        (artifacts / f"{log_name}-extension.log").write_text(server.extension_log())
        if (root / "code-server.log").exists():
            shutil.copy(root / "code-server.log", artifacts / f"{log_name}-code-server.log")


def language_server_pids(state_dir: Path) -> list[int]:
    """The `codepal lsp` processes started for the code-server that uses `state_dir` (ours only)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"codepal" in cmdline and b"lsp" in cmdline and f"CODEPAL_STATE_DIR={state_dir}".encode() in environ:
            pids.append(int(proc.name))
    return pids


@contextmanager
def browser_page(artifacts: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            yield page
        finally:
            browser.close()


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy; returns its value or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def ensure_chromium() -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        raise RuntimeError("Debian's chromium is missing (apt-get install chromium; scripts/test-deps.sh)")
