#!/usr/bin/env bash
# Non-Python things the test suite needs; installs only what is missing, so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium for the browser tests (Playwright drives it; no browser is ever downloaded).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# JupyterLab 4.2 and Notebook 7 beside the venv's JupyterLab, for the browser tests (~5 s, once).
bash scripts/jupyter-versions.sh
