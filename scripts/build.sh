#!/usr/bin/env bash
# Installs what is missing, then configures and builds everything with Ninja.
# BUILD_DIR (default: build) and BUILD_TYPE (default: RelWithDebInfo) may be set.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
# Two cores, and gRPC headers are heavy: more jobs only thrash memory.
cmake --build "$build_dir" -- -j"$(nproc)"
