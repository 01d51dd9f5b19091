#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# demo batch job end to end (progressd, 4 worker processes, the reporter
# logging progress). Extra arguments go to the driver, e.g. --records=1000000.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
exec "$root/scripts/run_demo.sh" "$build_dir" "$@"
