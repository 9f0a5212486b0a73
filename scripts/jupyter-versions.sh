#!/usr/bin/env bash
# Other JupyterLab front ends for the browser tests, beside the venv's own (the newest 4.x, never changed
# here): the lowest JupyterLab pyproject.toml allows (4.2) and Notebook 7. Each is one wheel installed with
# --no-deps into .cache/jupyter-versions/<name> (its server-side dependencies are the venv's), used through
# PYTHONPATH and JUPYTERLAB_DIR by tests/browser/lab.py. Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
DEST=${CODEPAL_JUPYTER_VERSIONS:-$PWD/.cache/jupyter-versions}

install() {  # name, requirement
  local target="$DEST/$1"
  [ -f "$target/.installed" ] && return 0
  rm -rf "$target"
  "$PYTHON" -m pip install --disable-pip-version-check -q --no-deps --target "$target" "$2"
  touch "$target/.installed"
  echo "jupyter-versions: $2 → $target"
}

install jupyterlab-4.2 'jupyterlab>=4.2,<4.3'
install notebook-7 'notebook>=7,<8'
