"""The real `codepal lsp` over stdio, with the VS Code and Neovim capability profiles."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "codepal", "lsp"]


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code's recorded profile plus inline completion (LSP 3.18), which VS Code ≥ 1.86 sends."""
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities(dynamic_registration=False)
    return caps


PROFILES: dict[str, Callable[[], types.ClientCapabilities]] = {
    "vscode": vscode_capabilities,
    "neovim": lambda: client_capabilities("neovim@v0.10.0"),
}


def server_env(state_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CODEPAL_STATE_DIR": str(state_dir), "HF_HUB_OFFLINE": "1", **extra})
    return env


async def start_client(env: dict[str, str], capabilities: types.ClientCapabilities,
                       options: dict[str, Any] | None = None, root: Path | None = None) -> LanguageClient:
    client = await ClientServerConfig(server_command=SERVER, server_env=env).start()
    assert isinstance(client, LanguageClient)
    started = time.monotonic()
    result = await client.initialize_session(types.InitializeParams(
        capabilities=capabilities,
        initialization_options=options or {},
        root_uri=root.as_uri() if root else None,
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")] if root else None,
    ))
    client.initialize_ms = (time.monotonic() - started) * 1000  # type: ignore[attr-defined]
    client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    return client


async def wait_ready(client: LanguageClient, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codepal.status", arguments=[]))
        if status["state"] == "ready" or time.monotonic() > deadline:
            return dict(status)
        await asyncio.sleep(0.1)


TEST_OPTIONS = {
    # Sampling keeps the random test model's text varied, short answers keep it from looking degenerate
    # to the post-processing, and a long deadline absorbs a loaded machine.
    "completion": {"temperature": 1.0, "deadline_ms": 20000, "max_tokens_block": 12, "max_tokens_line": 8},
}


@pytest_asyncio.fixture(params=list(PROFILES))
async def lsp(request: pytest.FixtureRequest, vllm_state_dir: Path, tmp_path: Path) -> AsyncIterator[LanguageClient]:
    """A language server attached to the real vLLM test bed, for each client profile."""
    client = await start_client(server_env(vllm_state_dir), PROFILES[request.param](), TEST_OPTIONS, tmp_path)
    client.profile = request.param  # type: ignore[attr-defined]
    status = await wait_ready(client)
    assert status["state"] == "ready", status
    yield client
    await client.shutdown_session()


def open_doc(client: LanguageClient, uri: str, text: str, language: str = "python", version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))
