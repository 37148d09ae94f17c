#!/usr/bin/env bash
# Installs the pinned solc-js (the Solidity compiler built to JavaScript) from npm into
# <workspace>/.tools/solc, which the stakeproof-contracts crate uses to compile its contracts.
# Idempotent: does nothing when the pinned version is already installed there.
# Override the directory with STAKEPROOF_SOLC_DIR (the crate reads the same variable).
set -euo pipefail
SOLC_VERSION="0.8.28"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${STAKEPROOF_SOLC_DIR:-$ROOT/.tools/solc}"
command -v node >/dev/null || { echo "error: node (Node.js >= 18) is required to run solc-js" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm is required to install solc-js" >&2; exit 1; }
PKG="$DIR/node_modules/solc/package.json"
mkdir -p "$DIR"
# One install at a time: test binaries and demos may ask for it at once (the kernel drops the
# lock if this process dies).
if command -v flock >/dev/null; then
    exec 9>"$DIR.lock"
    flock 9
fi
if [ -f "$PKG" ] && node -e "process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)" "$PKG" "$SOLC_VERSION"; then
    echo "solc-js $SOLC_VERSION already installed in $DIR"
    exit 0
fi
mkdir -p "$DIR"
npm install --no-audit --no-fund --silent --prefix "$DIR" "solc@$SOLC_VERSION"
echo "installed solc-js $SOLC_VERSION in $DIR"
