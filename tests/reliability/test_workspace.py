"""Workspace confinement (what may reach a prompt) and a hostile workspace (nothing in it runs).

Prompts are recorded where they leave codepal: at the fake model server.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import DownServer, lsp_options
from tests.reliability.peer import LspPeer
from tests.support.fake_openai import FakeOpenAI
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability
Figure = Callable[[str], None]
StartLsp = Callable[..., Awaitable[LspPeer]]


def canary(name: str) -> str:
    return f"CANARY_{name.upper()}_7F3A"


def definition(function: str) -> str:
    return f'def {function}(token="{canary(function)}"):\n    return token\n'


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A workspace and the files an editor might have open, inside and outside it."""
    root = tmp_path / "ws"
    (root / "private").mkdir(parents=True)
    (root / "build").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".gitignore").write_text("build/\n*.secret.py\n")
    (root / ".codepalignore").write_text("private/\n")
    files = {
        "helper_fn": root / "helpers.py",  # allowed: the positive control
        "outside_fn": outside / "creds.py",  # outside the workspace
        "linked_fn": root / "linked.py",  # a symlink inside pointing outside
        "built_fn": root / "build" / "gen.py",  # .gitignore'd directory
        "token_fn": root / "keys.secret.py",  # .gitignore'd pattern
        "private_fn": root / "private" / "vault.py",  # .codepalignore'd
    }
    for function, path in files.items():
        if function == "linked_fn":
            target = outside / "linked_target.py"
            target.write_text(definition(function))
            path.symlink_to(target)
        else:
            path.write_text(definition(function))
    return root, files


async def test_context_stays_inside_the_workspace(fake_openai: FakeOpenAI, start_lsp: StartLsp,
                                                  workspace: tuple[Path, dict[str, Path]], figure: Figure) -> None:
    root, files = workspace
    lsp = await start_lsp()
    await lsp.initialize_with(lsp_options(fake_openai.url), root=root)
    await lsp.wait_state("ready")
    helper = files.pop("helper_fn")
    lsp.open(helper.as_uri(), helper.read_text())
    seen: dict[str, list[str]] = {}
    for number, (function, path) in enumerate(files.items()):
        # The forbidden file is the most recently opened one; the editor sent its text.
        lsp.open(path.as_uri(), path.read_text())
        main = root / "main.py"
        lsp.open(main.as_uri(), f"def run{number}():\n    helper_fn()\n    {function}()\n    ")
        before = len(fake_openai.generation_requests())
        await lsp.inline(main.as_uri(), 3, 4)
        prompt = "".join(json.dumps(r.body) for r in fake_openai.generation_requests()[before:])
        seen[function] = [f for f in ("helper_fn", function) if canary(f) in prompt]
    leaked = [function for function, found in seen.items() if function in found]
    with_helper = sum("helper_fn" in found for found in seen.values())
    log = lsp.log_text()
    in_log = [f for f in ("helper_fn", *files) if canary(f) in log]
    figure(f"{len(files)} forbidden open files (outside, symlink out, .gitignore dir and pattern, "
           f".codepalignore): leaked into prompts {leaked or 'none'}; the allowed file's signature in "
           f"{with_helper} of {len(seen)} prompts; document text in the server's log: {in_log or 'none'} "
           f"({len(log)} chars)")
    assert with_helper == len(files)  # context from the workspace works
    assert leaked == []
    assert in_log == []  # the user's code never goes to the log (at the default level)


def _hostile(root: Path, marker: Path, trap_url: str) -> list[str]:
    """Files that would run code (each writes `marker`) or redirect codepal if anything honoured them."""
    touch = f"open({str(marker)!r}, 'a').write(__file__ + '\\n')\n"
    script = f"#!/bin/sh\necho \"$0\" >> {marker}\n"
    site = root / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    site.mkdir(parents=True)
    (root / ".venv" / "bin").mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    executables = [root / ".venv" / "bin" / name for name in ("python", "python3", "codepal", "vllm")]
    executables.append(root / "fsmonitor.sh")
    for path in executables:
        path.write_text(script)
        path.chmod(0o755)
    (site / "sitecustomize.py").write_text(touch)
    (site / "evil.pth").write_text(f"import os; {touch}")
    for name in ("sitecustomize.py", "usercustomize.py", "conftest.py", "setup.py", "noxfile.py",
                 "pathspec.py", "tokenizers.py", "httpx.py", "tree_sitter_python.py", "evil_backend.py"):
        (root / name).write_text(touch)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "evil_backend"\nbackend-path = ["."]\n\n'
        f'[tool.codepal.engine]\nurl = "{trap_url}"\nautostart = true\n')
    (root / ".codepal.toml").write_text(
        f'[engine]\nurl = "{trap_url}"\nautostart = true\nextra_args = ["--trust-remote-code"]\n'
        f'[completion]\nenabled = true\n')
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f"[core]\n\tfsmonitor = {root / 'fsmonitor.sh'}\n")
    (root / ".env").write_text(f"CODEPAL_ENGINE__URL={trap_url}\n")
    return [str(p.relative_to(root)) for p in sorted(root.rglob("*")) if p.is_file()]


@pytest.mark.parametrize("launch", ["console-script", "python-P"])
async def test_a_hostile_workspace_runs_nothing(
        fake_openai: FakeOpenAI, down_server: DownServer, start_lsp: StartLsp,
        lsp_env: Callable[..., dict[str, str]], socket_guard: SocketGuard, tmp_path: Path, launch: str,
        figure: Figure) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    marker = tmp_path / "ran.txt"
    planted = _hostile(root, marker, down_server.url)
    since = socket_guard.mark()
    env = lsp_env()
    # Editors start the server in the workspace folder; the console script's sys.path does not include
    # it, and `python -P` (3.11+) keeps `-m` from putting it first.
    command = ([str(Path(sys.executable).parent / "codepal"), "lsp"] if launch == "console-script"
               else [sys.executable, "-P", "-m", "codepal", "lsp"])
    lsp = await start_lsp(env, command=command, cwd=root)
    await lsp.initialize_with(lsp_options(fake_openai.url), root=root)
    await lsp.wait_state("ready")
    for name in ("setup.py", "conftest.py", "pyproject.toml", ".codepal.toml"):
        path = root / name
        lsp.open(path.as_uri(), path.read_text(), language="toml" if name.endswith("toml") else "python")
    main = root / "main.py"
    lsp.open(main.as_uri(), "import pathspec\nimport httpx\n\ndef go():\n    ")
    await lsp.inline(main.as_uri(), 4, 4)
    await asyncio.sleep(1.0)
    status = await lsp.status()
    children = lsp.descendants()
    pid = lsp.pid
    await lsp.close()
    ran = marker.read_text().splitlines() if marker.exists() else []
    connects = {tuple(e["address"]) for e in socket_guard.events(since) if e["pid"] == pid
                and e["kind"] == "connect"}
    figure(f"{launch}: {len(planted)} planted files; executed {len(ran)}; trap server asked "
           f"{len(down_server.requests)} times; child processes {len(children)}; engine {status['url']}; "
           f"server connected to {sorted(connects)}")
    assert ran == []
    assert down_server.requests == [] and status["url"] == fake_openai.url
    assert children == []
    assert all(port == fake_openai.port for _, port in connects)

