#!/usr/bin/env bash
# Every progress-bench mode, seconds long, against a fresh progressd with a
# read server: passes when each says its counts were exact (timings are not
# judged).
#   progress_bench_smoke.sh PROGRESSD PROGRESS_BENCH
set -euo pipefail
progressd=$1
bench=$2
work=$(mktemp -d)
"$progressd" --listen=127.0.0.1:0 --port_file="$work/port" \
  --read_listen=127.0.0.1:0 --read_port_file="$work/read_port" \
  --metrics_listen= --log_level=warn &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 400); do
  [[ -s "$work/port" ]] && break
  kill -0 "$daemon" 2>/dev/null || { echo "progressd did not start" >&2; exit 1; }
  sleep 0.05
done
writes="127.0.0.1:$(cat "$work/port")"
reads="127.0.0.1:$(cat "$work/read_port")"

run() {
  echo "== progress-bench $*"
  "$bench" "$@"
}
run flood --server="$writes" --streams=8 --records=5000 --daemon_pid="$daemon"
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
