"""Core errors → HTTP status, in one place. A user's bad input is 4xx, never 500."""

from __future__ import annotations

from tornado.web import HTTPError

from codepal.errors import (
    BackendOverloaded,
    BackendProtocolError,
    BackendTimeout,
    BackendUnavailable,
    BadModelOutput,
    CodepalError,
    ConfigError,
    ContextTooLarge,
    InvalidInput,
    ModelNotAvailable,
)

# Most specific first: the first isinstance match wins.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (InvalidInput, 400),
    (ConfigError, 400),
    (ContextTooLarge, 413),
    (BackendOverloaded, 429),
    (BackendTimeout, 504),
    (BackendUnavailable, 503),
    (ModelNotAvailable, 503),
    (BackendProtocolError, 502),
    (BadModelOutput, 502),
)


class ApiError(HTTPError):
    """An HTTP error whose message is for the user (shown in JupyterLab as is)."""

    def __init__(self, status: int, message: str, kind: str = "bad_request") -> None:
        super().__init__(status, reason=None)
        self.message = message
        self.kind = kind


def to_api_error(exc: BaseException) -> ApiError:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return ApiError(status, f"codepal: {exc}", type(exc).__name__)
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, CodepalError):
        return ApiError(500, f"codepal: {exc}", type(exc).__name__)
    return ApiError(500, f"codepal: internal error ({type(exc).__name__}); see the server log", "internal")
