#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite under CTest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)" "$@"
