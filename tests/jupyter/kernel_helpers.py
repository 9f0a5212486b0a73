"""A real IPython kernel started by the Jupyter server under test, and ways to look at it silently."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from codepal_jupyter.kernel.context import KernelContext

SETUP = """
import numpy as np
import pandas as pd
prices = [3.5, 2.0, 4.25]
sales = pd.DataFrame({"Total": [12.5, 7.25, 3.0], "Region": ["north", "south", "east"]})
grid = np.zeros((3, 4), dtype="float32")
api_key = "sk-live-9f8e7d"
db_password = "hunter2"
settings = {"host": "db.local", "token": "t0k3n-abc", "port": 5432}
def area(radius, scale=2.0):
    return radius * scale
len(prices)
"""
VALUES = ("3.5", "4.25", "12.5", "7.25", "north", "south", "sk-live-9f8e7d", "hunter2", "t0k3n-abc", "db.local", "5432")
SECRET_NAMES = ("api_key", "db_password", "token")


@dataclass
class Kernel:
    kernel_id: str
    client: Any
    manager: Any  # the server's MappingKernelManager

    @property
    def state(self) -> str:
        return str(self.manager.get_kernel(self.kernel_id).execution_state)

    async def run(self, code: str) -> dict[str, Any]:
        """Run a cell as the notebook would (history, Out, outputs) and wait until the server sees it idle."""
        reply = await self.client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
        await self.until_idle()
        return reply  # type: ignore[no-any-return]

    async def until_idle(self, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while self.state != "idle":
            assert time.monotonic() < deadline, f"kernel still {self.state}"
            await asyncio.sleep(0.01)

    async def look(self, **expressions: str) -> dict[str, str]:
        """Evaluate expressions silently (no history, no output) and return their plain-text values."""
        msg_id = self.client.execute("", silent=True, store_history=False, user_expressions=expressions)
        while True:
            reply = await self.client.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        await self.until_idle()
        found = reply["content"]["user_expressions"]
        return {name: value["data"]["text/plain"] for name, value in found.items()}

    async def state_of_namespace(self) -> dict[str, str]:
        return await self.look(
            names="sorted(get_ipython().user_ns)",
            ids="sorted((k, id(v)) for k, v in get_ipython().user_ns.items() if not k.startswith('_i'))",
            history="(len(In), len(Out), get_ipython().execution_count)",
            last="repr((_, __, ___))",
        )


@pytest.fixture
async def kernel(jp_serverapp: Any) -> AsyncIterator[Kernel]:
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    found = Kernel(kernel_id, client, manager)
    # The server learns the state from status messages; those of the start may have come before it listened.
    await client.execute_interactive("", timeout=60)
    await found.until_idle(60)
    yield found
    client.stop_channels()
    await manager.shutdown_kernel(kernel_id, now=True)


async def summary_of(context: KernelContext, kernel: Kernel, timeout_s: float = 10) -> Any:
    """The kernel's summary once one has come (the first probe opens a connection, which may take longer
    than a request's budget on a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while (facts := await context.facts(kernel.kernel_id, wait=True)) is None:
        assert time.monotonic() < deadline, "no summary came"
        await asyncio.sleep(0.05)
    await kernel.until_idle()
    return facts


def context_of(jp_serverapp: Any) -> KernelContext:
    return jp_serverapp.web_app.settings["codepal"].kernel_context  # type: ignore[no-any-return]
