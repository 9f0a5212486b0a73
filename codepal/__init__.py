"""codepal: an offline coding assistant on a local vLLM server."""

__version__ = "0.1.0"
