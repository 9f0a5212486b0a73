"""pytest-jupyter for the codepal routes: a Jupyter server in the test's own event loop.

pytest-asyncio (asyncio_mode=auto) runs the tests; pytest-jupyter's fixtures must build the server on that
same loop, so `jp_asyncio_loop` is the running loop rather than a second one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures and hooks, for this directory only)

from tests.jupyter.kernel_helpers import kernel  # noqa: F401  (a real IPython kernel of the server under test)


@pytest.fixture
async def jp_asyncio_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@pytest.fixture
def codepal_settings() -> dict[str, Any]:
    """`c.Codepal` for the server under test; modules override it. Default: an engine that is not there."""
    return {"engine_url": "http://127.0.0.1:9"}


@pytest.fixture
def jp_server_config(codepal_settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"codepal_jupyter": True}},
        "Codepal": codepal_settings,
    }


@pytest.fixture
def jp_serverapp(
    jp_server_config: dict[str, Any], jp_argv: list[str], jp_configurable_serverapp: Any,
    jp_asyncio_loop: asyncio.AbstractEventLoop,
) -> Iterator[Any]:
    """pytest-jupyter's server, whose codepal extension is closed before the fixtures it talks to (the fake
    model server) stop; pytest-jupyter's own cleanup comes later and would find them gone."""
    app = jp_configurable_serverapp(config=jp_server_config, argv=jp_argv)
    yield app
    jp_asyncio_loop.run_until_complete(app.web_app.settings["codepal"].stop_extension())
