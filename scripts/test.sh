#!/usr/bin/env bash
# Installs what is missing (including the Prometheus server the end-to-end
# test runs), builds, and runs the whole test suite under CTest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh" --with-test-tools
"$root/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)" "$@"
