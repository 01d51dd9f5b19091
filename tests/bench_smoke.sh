#!/usr/bin/env bash
# bench/compare at smoke size: every progress-bench mode, seconds long, against
# progressd and Debian's redis-server (installed if missing and we are root).
# Fails only if a count was not exact; timings never fail it.
#   bench_smoke.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: bench_smoke.sh BUILD_DIR}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
status=0
"$source_dir/bench/compare" --smoke --build "$build_dir" --out "$out" || status=$?
if ((status == 0)); then
  rm -rf "$out"
else
  echo "bench_smoke: results.json is in $out" >&2
fi
exit "$status"
