"""What ships: the committed labextension build matches its sources, and an installed environment has both
extensions enabled (`make venv`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jupyter_core.paths import jupyter_config_path, jupyter_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyterlab_server.config import get_federated_extensions

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "jupyter_ext" / "labextension-src"
OUT = REPO / "jupyter_ext" / "labextension"


def source_hash() -> str:
    """The same digest as scripts/jupyter-build.sh (`find … | sort | xargs sha256sum | sha256sum`)."""
    files = [p for name in ("src", "style") for p in (SRC / name).rglob("*") if p.is_file()]
    files += [SRC / "package.json", SRC / "package-lock.json", SRC / "tsconfig.json"]
    names = sorted(str(p.relative_to(SRC)) for p in files)
    listing = "".join(f"{hashlib.sha256((SRC / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    return hashlib.sha256(listing.encode()).hexdigest()


def test_the_committed_build_matches_the_sources() -> None:
    stamp = (OUT / "source.sha256").read_text().strip()
    assert stamp == source_hash(), "the labextension sources changed: run scripts/jupyter-build.sh"
    package = json.loads((OUT / "package.json").read_text())
    assert package["name"] == "codepal"
    assert (OUT / package["jupyterlab"]["_build"]["load"]).is_file()
    assert json.loads((OUT / "install.json").read_text())["packageName"] == "codepal"


def test_the_server_extension_is_enabled_by_its_config_file() -> None:
    config = json.loads((REPO / "jupyter-config" / "jupyter_server_config.d" / "codepal.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"codepal_jupyter": True}}}


def test_the_environment_lists_both_extensions_enabled() -> None:
    """What `jupyter server extension list` and `jupyter labextension list` read, without their start-up cost."""
    servers = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    assert servers.get("codepal_jupyter") is True, "run `make venv` (it enables the codepal server extension)"
    labs = get_federated_extensions(jupyter_path("labextensions"))
    assert "codepal" in labs, "run `make venv` (it installs the codepal labextension)"
    assert labs["codepal"]["install"]["packageName"] == "codepal"
