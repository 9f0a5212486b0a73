#!/usr/bin/env bash
# Build the VS Code extension: npm install (from the committed package-lock.json, only when it changed),
# check the settings schema against codepal's config model, type-check (strict tsc), lint (eslint),
# run the unit tests (node's test runner), bundle (esbuild) and package vscode-client/codepal.vsix
# (@vscode/vsce 3.9, which packages offline on Node 20).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
cd vscode-client
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

step() { printf '\n== vscode-build: %s\n' "$*"; }

step "settings in step with codepal's config model"
"$PYTHON" "$REPO/scripts/vscode-settings.py" --check

if ! cmp -s package-lock.json node_modules/.codepal-package-lock.json 2>/dev/null; then
    step "npm ci"
    npm ci --loglevel=error
    cp package-lock.json node_modules/.codepal-package-lock.json
fi

step "type-check (tsc --strict)"
npx --no-install tsc -p . --noEmit

step "lint (eslint)"
npx --no-install eslint src test

step "unit tests (node --test)"
rm -rf out
npm test --silent

step "bundle and package (esbuild, vsce)"
rm -f codepal.vsix
npx --no-install vsce package --no-dependencies --allow-missing-repository --out codepal.vsix 2>&1 | grep -v '^$'
test -s codepal.vsix
echo "vscode-build: wrote $PWD/codepal.vsix"
