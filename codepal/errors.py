"""One error hierarchy for the core; each surface maps it once (JSON-RPC codes, HTTP status)."""

from __future__ import annotations


class CodepalError(Exception):
    """Base of every error codepal raises on purpose. The message is meant for the user."""


class ConfigError(CodepalError):
    """A configuration value is invalid; the message names the key and its source."""


class BackendError(CodepalError):
    """The model server could not give an answer."""


class BackendUnavailable(BackendError):
    """The model server is not running, not reachable, or crashed mid-request."""


class BackendTimeout(BackendError):
    """The model server did not answer within the deadline."""


class BackendOverloaded(BackendError):
    """Too many requests in flight, or the server answered 429/503."""


class BackendProtocolError(BackendError):
    """The server answered with an unexpected status or a body that is not the OpenAI protocol.
    `status`: the HTTP status when the server refused the request, else None."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BadModelOutput(CodepalError):
    """The model answered, but nothing usable could be taken from the answer."""


class ContextTooLarge(CodepalError):
    """The input does not fit the model's context window even after trimming."""


class ModelNotAvailable(CodepalError):
    """The model's weights are not on this machine and codepal will not download them."""


class InvalidInput(CodepalError):
    """A caller's input is malformed (a position past the end, a bad range, binary content)."""
