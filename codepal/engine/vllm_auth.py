"""ASGI middleware codepal adds to the vLLM it starts (`--middleware`): the API key on every route but
the read-only probes (`/health`, `/ping`, `/version`, `/metrics`: counters, never text).

vLLM's own `--api-key` check covers only paths under `/v1`, `/v2`, `/inference` and `/cohere`; routes such
as `/invocations` (the same generation as `/v1`), `/generative_scoring`, `/tokenize` and
`/scale_elastic_ep` answer anyone who can reach the port, which on a shared machine is every local user.
Runs inside the vLLM process; the key comes from `VLLM_API_KEY`, as for vLLM's own check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/health", "/ping", "/version", "/metrics"})
_BODY = b'{"error": "Unauthorized"}'


class RequireApiKey:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        key = os.environ.get("VLLM_API_KEY", "")
        self._expected = _digest(key.encode()) if key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._expected is None or scope["type"] not in ("http", "websocket") or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", "")).removeprefix(str(scope.get("root_path", "")))
        scheme, _, token = dict(scope.get("headers") or []).get(b"authorization", b"").partition(b" ")
        if path in OPEN_PATHS or (scheme.lower() == b"bearer" and hmac.compare_digest(_digest(token), self._expected)):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]})
            await send({"type": "http.response.body", "body": _BODY})


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()  # equal lengths for compare_digest
