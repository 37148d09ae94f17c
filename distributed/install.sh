#!/usr/bin/env bash
# Installs the Ray driver (this directory's package, with the pinned ray and pytest) into a
# virtual environment inside the checkout: <workspace>/.tools/ray-venv (or STAKEPROOF_RAY_VENV).
# Idempotent: does nothing when the venv already has this package and the pinned ray.
# Prints the venv's python on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${STAKEPROOF_RAY_VENV:-$ROOT/.tools/ray-venv}"
PY="${PYTHON:-python3}"
RAY_VERSION="$(sed -n 's/.*"ray==\([0-9.]*\)".*/\1/p' "$ROOT/distributed/pyproject.toml")"
STAMP="$VENV/.stakeproof-ray-installed"
WANT="ray $RAY_VERSION; $(sha256sum "$ROOT/distributed/pyproject.toml" | cut -c1-16)"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; then
    echo "stakeproof-ray ($WANT) already installed in $VENV" >&2
    echo "$VENV/bin/python"
    exit 0
fi
command -v "$PY" >/dev/null || { echo "error: $PY (Python >= 3.10) is required" >&2; exit 1; }
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT/distributed[test]" >&2
echo "$WANT" > "$STAMP"
echo "installed stakeproof-ray with ray $RAY_VERSION in $VENV" >&2
echo "$VENV/bin/python"
