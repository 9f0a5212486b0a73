"""Requests and answers of the codepal routes, for the handler tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPResponse

Fetch = Callable[..., Coroutine[Any, Any, HTTPResponse]]


async def post(fetch: Fetch, route: str, body: Any, **kwargs: Any) -> HTTPResponse:
    """POST JSON (or raw bytes) and return the response whatever its status."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        return await fetch("codepal", route, method="POST", body=data, **kwargs)
    except HTTPClientError as exc:
        assert exc.response is not None
        return exc.response


def events(response: HTTPResponse) -> list[tuple[str, dict[str, Any]]]:
    """A server-sent-events body as (event, data) pairs."""
    assert response.headers["Content-Type"].startswith("text/event-stream")
    out = []
    for block in response.body.decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


async def wait_ready(fetch: Fetch, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status = json.loads((await fetch("codepal", "status")).body)
        if status["state"] == "ready" or time.monotonic() > deadline:
            assert status["state"] == "ready", status
            return status  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)


def notebook(*sources: str, index: int = -1, **extra: Any) -> dict[str, Any]:
    """A request body: code cells (a "md:" prefix makes a markdown cell); the cursor cell is `index`."""
    cells = [{"cell_type": "markdown", "source": s[3:]} if s.startswith("md:") else
             {"cell_type": "code", "source": s} for s in sources]
    return {"cells": cells, "cell_index": index % len(cells), "path": "work/analysis.ipynb", **extra}


NAME_ERROR = {
    "ename": "NameError",
    "evalue": "name 'y' is not defined",
    "traceback": [
        "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
        "\x1b[0;31mNameError\x1b[0m                                 Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[2], line 2\x1b[0m\n\x1b[1;32m      1\x1b[0m x \x1b[38;5;241m=\x1b[39m 1\n"
        "\x1b[0;32m----> 2\x1b[0m \x1b[38;5;28mprint\x1b[39m(y)\n",
        "\x1b[0;31mNameError\x1b[0m: name 'y' is not defined",
    ],
}
