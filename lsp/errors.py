"""Core errors → JSON-RPC errors, in one place."""

from __future__ import annotations

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from codepal.errors import (
    BackendError,
    BackendOverloaded,
    BackendTimeout,
    BackendUnavailable,
    BadModelOutput,
    CodepalError,
    ContextTooLarge,
    InvalidInput,
)

# LSP reserves -32803 RequestFailed for "the request failed but was syntactically correct".
REQUEST_FAILED = -32803
SERVER_NOT_READY = -32002  # ServerNotInitialized is -32002 in LSP; reused for "engine not ready"


class RequestFailed(JsonRpcException):
    CODE = REQUEST_FAILED


class EngineNotReady(JsonRpcException):
    """Explain/fix asked while no model server is ready (listing actions never asks the engine)."""

    CODE = SERVER_NOT_READY


def to_jsonrpc(exc: Exception) -> JsonRpcException:
    if isinstance(exc, InvalidInput):
        return JsonRpcInvalidParams(str(exc))
    if isinstance(exc, BackendUnavailable):
        error = RequestFailed(f"codepal: {exc}")
        error.data = {"kind": "backend_unavailable"}
        return error
    if isinstance(exc, (BackendTimeout, BackendOverloaded, BackendError, ContextTooLarge, BadModelOutput)):
        error = RequestFailed(f"codepal: {exc}")
        error.data = {"kind": type(exc).__name__}
        return error
    if isinstance(exc, CodepalError):
        return RequestFailed(f"codepal: {exc}")
    return JsonRpcInternalError(f"codepal: internal error: {type(exc).__name__}")
