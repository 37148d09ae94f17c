#!/usr/bin/env bash
# Installs a CUDA 13.0 compile toolchain (nvcc, cudart, crt, cccl, nvvm) from PyPI into
# <checkout>/.tools/cuda, idempotently. No GPU or driver is needed to compile with it.
# Afterwards `.tools/cuda/home` is a CUDA_HOME (bin/nvcc, include/, lib/ and lib64/).
# Usage: gpu/install-cuda.sh            (prints the CUDA_HOME path on its last line)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/cuda"
stamp="$dest/.installed-13.0"
pkgs=(
  "nvidia-cuda-nvcc==13.0.*"
  "nvidia-cuda-runtime==13.0.*"
  "nvidia-cuda-crt==13.0.*"
  "nvidia-cuda-cccl==13.0.*"
  "nvidia-nvvm==13.0.*"
)
if [ ! -f "$stamp" ]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$dest/py" "${pkgs[@]}"
  nvcc="$(find "$dest/py" -path '*/bin/nvcc' -type f | head -n1)"
  [ -n "$nvcc" ] || { echo "error: nvcc not found in the installed wheels" >&2; exit 1; }
  home="$(dirname "$(dirname "$nvcc")")"
  chmod +x "$home"/bin/* 2>/dev/null || true
  find "$home" -path '*/nvvm/bin/*' -type f -exec chmod +x {} + 2>/dev/null || true
  # The wheels ship lib64 only (or lib only); toolchains look for both.
  if [ -d "$home/lib64" ] && [ ! -e "$home/lib" ]; then ln -s lib64 "$home/lib"; fi
  if [ -d "$home/lib" ] && [ ! -e "$home/lib64" ]; then ln -s lib "$home/lib64"; fi
  ln -sfn "$home" "$dest/home"
  "$dest/home/bin/nvcc" --version >/dev/null
  touch "$stamp"
fi
echo "$dest/home"
