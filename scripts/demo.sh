#!/usr/bin/env bash
# Installs what is missing, builds, and runs progressd in the foreground on its
# defaults (gRPC on 127.0.0.1:50051). Ctrl-C stops it cleanly. Extra arguments
# go to progressd.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
exec "$build_dir/server/progressd" "$@"
