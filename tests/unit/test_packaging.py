"""What `pip install codepal` puts into site-packages: the adapters under names that say whose they are
(`codepal_lsp`, `codepal_jupyter`, built from the lsp/ and jupyter_ext/ folders), no top-level `lsp` or
`jupyter_ext`, and every file the packages read at run time (prompt templates, bench data, the prebuilt
JupyterLab extension)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {"codepal": "codepal", "lsp": "codepal_lsp", "jupyter_ext": "codepal_jupyter"}
NOT_SHIPPED = ("labextension-src/", "labextension/source.sha256")  # the frontend's sources and build stamp


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_under_its_installed_name() -> None:
    setuptools = _pyproject()["tool"]["setuptools"]  # type: ignore[index]
    found = []
    for folder, name in FOLDERS.items():
        for init in sorted((REPO / folder).rglob("__init__.py")):
            if "node_modules" not in init.parts:
                found.append(".".join([name, *init.parent.relative_to(REPO / folder).parts]))
    assert sorted(setuptools["packages"]) == sorted(found)
    assert setuptools["package-dir"] == {name: folder for folder, name in FOLDERS.items() if folder != name}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(out), str(REPO)], check=True, timeout=300)
    (built,) = out.glob("codepal-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_has_no_top_level_lsp_or_jupyter_ext(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist() if ".dist-info" not in name and ".data" not in name}
    assert tops == set(FOLDERS.values())


def test_the_wheel_ships_every_tracked_file_of_the_packages(wheel: zipfile.ZipFile) -> None:
    tracked = subprocess.run(["git", "ls-files", *FOLDERS], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    shipped = set(wheel.namelist())
    missing = []
    for path in tracked:
        folder, _, rest = path.partition("/")
        if any(rest.startswith(skip) for skip in NOT_SHIPPED):
            continue
        if f"{FOLDERS[folder]}/{rest}" not in shipped:
            missing.append(path)
    assert not missing


def test_the_wheel_enables_the_extensions_by_their_installed_names(wheel: zipfile.ZipFile) -> None:
    config = next(n for n in wheel.namelist() if n.endswith("jupyter_server_config.d/codepal.json"))
    assert '"codepal_jupyter": true' in wheel.read(config).decode()
    points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "lsp = codepal_lsp.cli" in wheel.read(points).decode()


def test_the_installed_names_resolve_to_the_folders_and_the_old_names_are_gone(tmp_path: Path) -> None:
    probe = ("import importlib.util as u, json; "
             "print(json.dumps({n: (s.origin if (s := u.find_spec(n)) else None) for n in "
             "('codepal_lsp', 'codepal_jupyter', 'lsp', 'jupyter_ext')}))")
    # -P and a foreign cwd: what an installed environment sees, not the source tree on sys.path
    out = subprocess.run([sys.executable, "-P", "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout
    found = json.loads(out)
    assert found["lsp"] is None and found["jupyter_ext"] is None
    assert Path(found["codepal_lsp"]) == REPO / "lsp" / "__init__.py"
    assert Path(found["codepal_jupyter"]) == REPO / "jupyter_ext" / "__init__.py"
