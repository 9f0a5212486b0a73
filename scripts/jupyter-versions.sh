#!/usr/bin/env bash
# Other JupyterLab front ends for the browser tests, beside the venv's own (the newest 4.x, never changed
# here): the lowest JupyterLab pyproject.toml allows (4.2) and Notebook 7. Each is one wheel installed with
# --no-deps into .cache/jupyter-versions/<name> (its server-side dependencies are the venv's), used through
# PYTHONPATH and JUPYTERLAB_DIR by tests/browser/lab.py. Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
DEST=$(realpath -m "${CODEPAL_JUPYTER_VERSIONS:-$PWD/.cache/jupyter-versions}")

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

# Notebook reads its settings schemas from JupyterLab's application folder (JUPYTERLAB_DIR), where a normal
# install puts both; here that folder is made of links to the venv's JupyterLab's and Notebook's own.
app="$DEST/notebook-7/app"
if [ ! -d "$app/schemas" ]; then
  lab_dir=$("$PYTHON" -c 'from jupyterlab.commands import get_app_dir; print(get_app_dir())')
  mkdir -p "$app/schemas"
  for schemas in "$lab_dir/schemas" "$DEST/notebook-7/share/jupyter/lab/schemas"; do
    for entry in "$schemas"/*; do ln -sfn "$entry" "$app/schemas/$(basename "$entry")"; done
  done
  ln -sfn "$lab_dir/themes" "$app/themes"
fi
