"""A real JupyterLab on loopback for the browser test, and a fake model server that answers by route.

JupyterLab runs as a subprocess with private config, data, settings and runtime directories; it loads the
codepal labextension straight from the repository's built output (JUPYTER_PATH), so the test checks the
build in the tree whether or not the package is installed. A Flavour picks the front end: the venv's
JupyterLab (the newest 4.x), JupyterLab 4.2 or Notebook 7 (the latter two installed beside the venv by
scripts/jupyter-versions.sh and put first on PYTHONPATH).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.fake_openai import Behaviour, FakeOpenAI, RecordedRequest

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION = REPO / "jupyter_ext" / "labextension"
VERSIONS = REPO / ".cache" / "jupyter-versions"


@dataclass(frozen=True)
class Flavour:
    """One Jupyter front end to test with."""

    name: str
    app: str  # the module run with `python -m`: jupyterlab or notebook
    site: Path | None = None  # a --target install put first on PYTHONPATH (None: the venv's)
    app_dir: Path | None = None  # JUPYTERLAB_DIR: the front end's static files, schemas and themes

    @property
    def is_lab(self) -> bool:
        return self.app == "jupyterlab"

    def ensure_installed(self) -> None:
        if self.site is not None and not (self.site / ".installed").exists():
            subprocess.run(["bash", str(REPO / "scripts" / "jupyter-versions.sh")], check=True)

    def version(self) -> str:
        package = "jupyterlab" if self.is_lab else "notebook"
        if self.site is None:
            from importlib.metadata import version

            return f"{package} {version(package)}"
        info = next(self.site.glob(f"{package}-*.dist-info"))
        return info.name.removesuffix(".dist-info").replace("-", " ")

    def notebook_url(self, lab: Lab, path: str) -> str:
        route = "lab/tree" if self.is_lab else "notebooks"
        return f"{lab.url}{route}/{path}?token={lab.token}"


FLAVOURS = {
    "jupyterlab": Flavour("jupyterlab", "jupyterlab"),
    "jupyterlab-4.2": Flavour("jupyterlab-4.2", "jupyterlab", VERSIONS / "jupyterlab-4.2",
                              VERSIONS / "jupyterlab-4.2" / "share" / "jupyter" / "lab"),
    "notebook-7": Flavour("notebook-7", "notebook", VERSIONS / "notebook-7", VERSIONS / "notebook-7" / "app"),
}


class RoutedFake(FakeOpenAI):
    """The fake OpenAI server, answering chat and plain completions with separate scripts: typing in the
    notebook sends completion requests at any moment, and they must not take the chat answer."""

    def __init__(self) -> None:
        super().__init__()
        self.chat = Behaviour()
        self.completion = Behaviour(chunks=[""])

    async def _route(self, path: str, body: Any, record: RecordedRequest, reader: Any, writer: Any) -> bool:
        if path.endswith("completions"):
            self.script.appendleft(self.chat if path.endswith("chat/completions") else self.completion)
        return await super()._route(path, body, record, reader, writer)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("chat/completions")]


@dataclass
class Lab:
    url: str  # base URL, ending in "/"
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def get_json(self, path: str) -> Any:
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_lab(base: Path, codepal: dict[str, Any], settings: dict[str, Any], timeout_s: float = 90,
              flavour: Flavour = FLAVOURS["jupyterlab"]) -> Lab:
    names = ("config", "data", "runtime", "settings", "workspaces", "path", "root")
    dirs = {name: base / name for name in names}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["path"] / "labextensions").mkdir(exist_ok=True)
    (dirs["path"] / "labextensions" / "codepal").symlink_to(LABEXTENSION, target_is_directory=True)
    server_config = {"ServerApp": {"jpserver_extensions": {"codepal_jupyter": True}}, "Codepal": codepal}
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(server_config))
    for plugin, values in settings.items():  # e.g. "@jupyterlab/apputils-extension/notification"
        target = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "JUPYTER_PATH": str(dirs["path"]),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    flavour.ensure_installed()
    if flavour.site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(flavour.site), env.get("PYTHONPATH", "")]))
    if flavour.app_dir is not None:
        env["JUPYTERLAB_DIR"] = str(flavour.app_dir)
    port, token = free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    expose = "LabApp" if flavour.is_lab else "JupyterNotebookApp"
    command = [
        sys.executable, "-m", flavour.app, "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={dirs['root']}",
        f"--{expose}.expose_app_in_browser=True",  # lets the test read cell sources from the page
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=dirs["root"])
    lab = Lab(f"http://127.0.0.1:{port}/", token, dirs["root"], process, log)
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            lab.get_json("api/status")
            return lab
        except OSError:
            if time.monotonic() > deadline:
                lab.stop()
                raise TimeoutError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def notebook(cells: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source,
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for i, (kind, source) in enumerate(cells)
        ],
    }
