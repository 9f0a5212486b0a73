"""Name the phase vLLM is in from its log lines, for a loading display that is not a silent wait."""

from __future__ import annotations

_PHASES: tuple[tuple[str, str], ...] = (
    ("non-default args", "reading arguments"),
    ("Resolved architecture", "resolving the model"),
    ("Initializing a V1 LLM engine", "initialising the engine"),
    ("Loading weights", "loading weights"),
    ("Loading model", "loading weights"),
    ("Loading safetensors", "loading weights"),
    ("KV cache", "allocating the KV cache"),
    ("Capturing CUDA graph", "capturing CUDA graphs"),
    ("torch.compile", "compiling"),
    ("Starting vLLM API server", "starting the HTTP server"),
    ("Route:", "starting the HTTP server"),
    ("Application startup complete", "waiting for /health"),
)


def phase_of(line: str) -> str | None:
    for marker, phase in _PHASES:
        if marker in line:
            return phase
    return None
