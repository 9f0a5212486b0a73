#!/usr/bin/env bash
# Non-Python things the test suite needs: Debian's chromium for browser tests, node packages.
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
