#!/usr/bin/env bash
# Installs the pinned anvil (Foundry's local Ethereum node, a prebuilt binary shipped as an npm
# package) into <workspace>/.tools/anvil, for the tests that submit real proofs to a real node
# (tests/anvil_submit.rs). Idempotent: does nothing when the pinned version is there. Prints the
# anvil binary's path as its last line. Override the directory with STAKEPROOF_ANVIL_DIR.
set -euo pipefail
ANVIL_VERSION="1.7.1"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${STAKEPROOF_ANVIL_DIR:-$ROOT/.tools/anvil}"
command -v npm >/dev/null || { echo "error: npm is required to install anvil" >&2; exit 1; }
find_bin() { find "$DIR/node_modules/@foundry-rs" -path '*/anvil-*/bin/anvil' -type f 2>/dev/null | head -n1 || true; }
BIN="$(find_bin)"
if [ -n "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "Version: $ANVIL_VERSION"; then
    echo "$BIN"
    exit 0
fi
mkdir -p "$DIR"
npm install --no-audit --no-fund --silent --prefix "$DIR" "@foundry-rs/anvil@$ANVIL_VERSION" >&2
BIN="$(find_bin)"
[ -n "$BIN" ] || { echo "error: no anvil binary for this platform in $DIR" >&2; exit 1; }
chmod +x "$BIN"
"$BIN" --version | grep -q "Version: $ANVIL_VERSION" || { echo "error: $BIN is not anvil $ANVIL_VERSION" >&2; exit 1; }
echo "$BIN"
