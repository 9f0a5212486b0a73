#!/usr/bin/env bash
# Install code-server (a real VS Code in the browser) for the extension's end-to-end test, once.
#
# It lives in the user's cache, outside the checkout, and is installed only when missing; the last line
# printed is the path of the `code-server` executable. 4.100.3 is the last release that runs on Node 20.
# Needs: Debian's build packages for its native modules (installed here when missing, as root), and no
# network but the npm registry: the ripgrep that @vscode/ripgrep's postinstall would fetch from GitHub
# is replaced by Debian's, put where that postinstall looks for a cached download.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
# code-server 4.100.3 pins @vscode/ripgrep 1.15.11, whose postinstall wants ripgrep release v13.0.0-10.
RG_PACKAGE_VERSION="1.15.11"
RG_RELEASE="v13.0.0-10"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}"
DIR="${CODEPAL_CODE_SERVER_DIR:-$CACHE/codepal-code-server/$VERSION}"
BIN="$DIR/node_modules/.bin/code-server"
MARKER="$DIR/.codepal-installed"

if [ -f "$MARKER" ] && [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi

log() { echo "vscode-code-server: $*" >&2; }

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [ "$node_major" != 20 ]; then
    log "code-server $VERSION needs Node 20 (found: $node_major)"
    exit 1
fi

# Native modules (kerberos, native-keymap, @vscode/spdlog, …) build with node-gyp against Debian's Node headers.
debs=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep g++ make python3 chromium)
missing=()
for deb in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages: ${missing[*]} (install them as root)"
        exit 1
    fi
    log "installing ${missing[*]}"
    # A lock held by a concurrent apt-get is waited for, not failed on.
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2 \
        || { apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 \
             && apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2; }
fi
if [ ! -f /usr/include/node/node.h ]; then
    log "Node's headers are missing (/usr/include/node); install Debian's nodejs (or libnode-dev)"
    exit 1
fi

# Debian's rg, packed as the release tarball @vscode/ripgrep's postinstall looks for in os.tmpdir().
tmp_root="$(node -p 'require("os").tmpdir()')"
rg_cache="$tmp_root/vscode-ripgrep-cache-$RG_PACKAGE_VERSION"
rg_tarball="$rg_cache/ripgrep-$RG_RELEASE-x86_64-unknown-linux-musl.tar.gz"
if [ "$(uname -m)" != x86_64 ]; then
    log "only x86_64 is prepared for (ripgrep cache); found $(uname -m)"
    exit 1
fi
if [ ! -s "$rg_tarball" ]; then
    mkdir -p "$rg_cache"
    stage="$(mktemp -d)"
    cp "$(command -v rg)" "$stage/rg"
    tar -czf "$rg_tarball" -C "$stage" rg
    rm -rf "$stage"
fi

log "installing code-server $VERSION into $DIR (about 2 minutes)"
rm -rf "$DIR"
mkdir -p "$DIR"
echo '{"name": "codepal-code-server", "private": true}' > "$DIR/package.json"
(
    cd "$DIR"
    export npm_config_nodedir=/usr npm_config_yes=true npm_config_fund=false npm_config_audit=false
    npm install --unsafe-perm --no-save --loglevel=error "code-server@$VERSION" >&2
)
if [ ! -x "$BIN" ] || [ ! -x "$DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]; then
    log "install incomplete: $BIN or its ripgrep is missing"
    exit 1
fi
touch "$MARKER"
echo "$BIN"
