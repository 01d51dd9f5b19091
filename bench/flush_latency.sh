#!/usr/bin/env bash
# The price of durability, measured in one run: Flush() latency against one
# progressd without a state file and one with (in a temporary directory on
# the same disk as $TMPDIR), for 1 and for 16 clients flushing at once.
#
#   bench/flush_latency.sh BUILD_DIR [--flushes=N]
set -euo pipefail
build_dir=$(cd "$1" && pwd)
shift
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_daemon() {  # NAME [flags...]: prints the address
  local name=$1
  shift
  "$build_dir/server/progressd" --listen=127.0.0.1:0 \
    --port_file="$work/$name.port" --metrics_listen= "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    [[ -s "$work/$name.port" ]] && break
    sleep 0.05
  done
  echo "127.0.0.1:$(cat "$work/$name.port")"
}

memory=$(start_daemon memory)
durable=$(start_daemon durable --state_file="$work/progressd.state")
echo "state file on: $(df --output=source,fstype "$work" | tail -1)"
for clients in 1 16; do
  "$build_dir/bench/flush_latency" --server="$memory" --clients="$clients" \
    --label="no state file" "$@"
  "$build_dir/bench/flush_latency" --server="$durable" --clients="$clients" \
    --label="--state_file" "$@"
done
