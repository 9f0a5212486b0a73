"""Shared parts of the reliability and security suite.

Every test prints the figure it held through `figure(...)`; the figures are repeated as a table at the
end of the run. The socket guard is on for the whole suite: a test fails if it, or any process it
started, connects beyond loopback.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.reliability.peer import LspPeer
from tests.support.socket_guard import SocketGuard, activate, describe

FIGURES: list[tuple[str, str]] = []


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Print what the test held (times, counts); repeated in the closing table."""
    name = request.node.nodeid.split("::", 1)[-1]

    def emit(text: str) -> None:
        FIGURES.append((name, text))
        print(f"\nFIGURE {name}: {text}", flush=True)

    return emit


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, text in FIGURES:
        terminalreporter.write_line(f"{name:<58} {text}")
    guard = activate()
    terminalreporter.write_line(f"{'socket guard (whole run)':<58} {guard.summary()}")


@pytest.fixture(scope="session")
def socket_guard() -> SocketGuard:
    return activate()


@pytest.fixture(autouse=True)
def _loopback_only(socket_guard: SocketGuard) -> Iterator[None]:
    since = socket_guard.mark()
    yield
    bad = socket_guard.violations(since)
    assert not bad, f"a connection beyond loopback:\n{describe(bad)}"


# -- the language server ---------------------------------------------------------------------------

@pytest.fixture
def lsp_env(tmp_path: Path, socket_guard: SocketGuard) -> Callable[..., dict[str, str]]:
    """An environment for `codepal lsp`: private state/config dirs (no engine unless told), guarded."""

    def make(state_dir: Path | None = None, **extra: str) -> dict[str, str]:
        env = socket_guard.env()
        env.update({
            "CODEPAL_STATE_DIR": str(state_dir or tmp_path / "state"),
            "CODEPAL_CONFIG_FILE": str(tmp_path / "no-config.toml"),
            "CODEPAL_CACHE_DIR": str(tmp_path / "cache"),
            "HF_HUB_OFFLINE": "1",
        })
        env.update(extra)
        return env

    return make


@pytest_asyncio.fixture
async def start_lsp(tmp_path: Path, lsp_env: Callable[..., dict[str, str]]
                    ) -> AsyncIterator[Callable[..., Awaitable[LspPeer]]]:
    """Start `codepal lsp` processes (closed, and checked for a clean exit, at the end)."""
    peers: list[LspPeer] = []

    async def start(env: dict[str, str] | None = None, verbose: bool = False, command: list[str] | None = None,
                    cwd: Path | None = None) -> LspPeer:
        peer = LspPeer(env or lsp_env(), tmp_path / f"lsp-{len(peers)}.log", verbose=verbose, command=command,
                       cwd=cwd)
        peers.append(peer)
        return await peer.start()

    yield start
    for peer in peers:
        await peer.close()


def lsp_options(url: str | None = None, **completion: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"completion": {"debounce_ms": 0, **completion}}
    if url:
        options["engine"] = {"url": url}
    return options


# -- a model server that is down -------------------------------------------------------------------

@dataclass
class DownServer:
    """Answers every request with `status` (503: loading / unhealthy) and records it."""

    status: int = 503
    requests: list[tuple[float, str, str]] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [path for _, _, path in self.requests]


@pytest.fixture
def down_server() -> Iterator[DownServer]:
    state = DownServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            state.connections += 1

        def _answer(self) -> None:
            state.requests.append((time.monotonic(), self.command, self.path))
            body = json.dumps({"error": {"message": "the model server is loading"}}).encode()
            self.send_response(state.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# -- a stand-in for vLLM that `codepal lsp` starts as its own engine ----------------------------------

FAKE_API_SERVER = r'''
"""Stand-in for `python -m vllm.entrypoints.openai.api_server`: serves /health and /v1/models behind
the key from VLLM_API_KEY, and starts a grandchild like vLLM's engine core does. While the file named by
FAKE_VLLM_STALL exists, /health answers only after the seconds it holds (a busy server)."""
import argparse, json, os, signal, subprocess, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--host"); parser.add_argument("--port", type=int)
parser.add_argument("--served-model-name"); parser.add_argument("--model")
args, _ = parser.parse_known_args()
key = os.environ.get("VLLM_API_KEY", "")
core = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["FAKE_VLLM_PIDS"], "a") as f:
    f.write(json.dumps({"server": os.getpid(), "core": core.pid, "argv": sys.argv}) + "\n")

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        stall = os.environ.get("FAKE_VLLM_STALL", "")
        if self.path == "/health" and stall and os.path.exists(stall):
            time.sleep(float(open(stall).read() or "1"))
        if self.path != "/health" and self.headers.get("authorization") != f"Bearer {key}":
            self.send_response(401); self.end_headers(); return
        data = json.dumps({"data": [{"id": args.served_model_name}]} if self.path == "/v1/models" else {}).encode()
        self.send_response(200); self.send_header("content-length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a): pass

signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))  # like vLLM: the API server exits on SIGTERM
print("Starting vLLM API server (fake)", flush=True)
ThreadingHTTPServer((args.host, args.port), H).serve_forever()
'''


@dataclass
class FakeVllm:
    pythonpath: Path
    model_dir: Path
    pids_file: Path

    def launches(self) -> list[dict[str, Any]]:
        if not self.pids_file.exists():
            return []
        return [json.loads(line) for line in self.pids_file.read_text().splitlines() if line]


@pytest.fixture
def fake_vllm(tmp_path: Path) -> FakeVllm:
    root = tmp_path / "fake-vllm"
    package = root / "vllm" / "entrypoints" / "openai"
    package.mkdir(parents=True)
    for folder in (root / "vllm", root / "vllm" / "entrypoints", package):
        (folder / "__init__.py").write_text("")
    (package / "api_server.py").write_text(FAKE_API_SERVER)
    model = tmp_path / "fake-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    return FakeVllm(root, model, tmp_path / "fake-vllm-pids.jsonl")
