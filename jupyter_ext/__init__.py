"""codepal's Jupyter surface, installed as `codepal_jupyter` from the `jupyter_ext/` folder: a server
extension (routes under `codepal/`) and a prebuilt JupyterLab extension (in `labextension/`, built from
`labextension-src/`)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("codepal")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import CodepalApp

    return [{"module": "codepal_jupyter", "app": CodepalApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "codepal"}]
