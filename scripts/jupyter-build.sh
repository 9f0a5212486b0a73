#!/usr/bin/env bash
# Build the JupyterLab extension (jupyter_ext/labextension-src → jupyter_ext/labextension) only when its
# sources changed. The built output is committed, so installing codepal never needs Node; this needs
# Node ≥ 20 and npm, and installs exactly what package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SRC=jupyter_ext/labextension-src
OUT=jupyter_ext/labextension
STAMP=$OUT/source.sha256
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

source_hash() {
  (cd "$SRC" && find src style package.json package-lock.json tsconfig.json -type f | LC_ALL=C sort \
    | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

want=$(source_hash)
if [ "${1:-}" != "--force" ] && [ -f "$OUT/package.json" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  echo "jupyter-build: $OUT is up to date"
  exit 0
fi

command -v npm >/dev/null || { echo "jupyter-build: the sources changed and npm is missing (Node ≥ 20)" >&2; exit 1; }
start=$(date +%s)
cd "$SRC"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsc -p .
# Build against the installed JupyterLab's own package list (no download of core metadata).
core=$("$PYTHON" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')
# `jupyter labextension build` (JupyterLab 4.6 hands it to `jupyter-builder`, found on PATH).
PATH="$(dirname "$PYTHON"):$PATH" "$PYTHON" -m jupyterlab.labextensions build --core-path "$core" .
cd "$ROOT"
[ -f "$OUT/package.json" ] || { echo "jupyter-build: the build produced no $OUT/package.json" >&2; exit 1; }
cat > "$OUT/install.json" <<'JSON'
{
  "packageManager": "python",
  "packageName": "codepal",
  "uninstallInstructions": "Use your Python package manager (pip, conda, etc.) to uninstall the package codepal"
}
JSON
echo "$want" > "$STAMP"
echo "jupyter-build: built $OUT in $(( $(date +%s) - start ))s"
