#!/usr/bin/env bash
# Every progress-bench mode, seconds long, against the daemon with_daemon.sh
# started (WITH_READ_SERVER=1): passes when each says its counts were exact
# (timings are not judged).
#   WITH_READ_SERVER=1 with_daemon.sh PROGRESSD progress_bench_smoke.sh BENCH
set -euo pipefail
bench=$1
writes=$PROGRESS_TRACKER_ADDRESS
reads=$PROGRESS_READ_ADDRESS

run() {
  echo "== progress-bench $*"
  "$bench" "$@"
}
run flood --server="$writes" --streams=8 --records=5000 \
  --daemon_pid="$PROGRESSD_PID"
run flood --server="$writes" --streams=20 --stream_interval=20ms \
  --duration=1s --job=paced
run read --server="$reads" --job=paced --duration=1s
run read --server="$writes" --job=paced --duration=500ms --cadence=1ms
run worker-cost --server="$writes" --records=200000
run job --server="$writes" --items=4000 --item_cost=5us --repeats=1
run staleness --server="$writes" --read_server="$reads" --samples=5
# Bad input is a clear error, not a crash.
if "$bench" flood --server="$writes" --streams=0 2>/dev/null; then
  echo "--streams=0 was accepted" >&2
  exit 1
fi
echo "every count exact"
