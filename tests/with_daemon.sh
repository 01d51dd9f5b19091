#!/usr/bin/env bash
# Runs a command with a fresh progressd on free loopback ports, exporting
# PROGRESS_TRACKER_ADDRESS (gRPC), PROGRESS_METRICS_ADDRESS (/metrics) and
# PROGRESSD_PID to it; stops the daemon and returns the command's status.
# With WITH_READ_SERVER=1 the daemon also serves reads from its own process
# (--read_listen), at PROGRESS_READ_ADDRESS.
#   with_daemon.sh PROGRESSD COMMAND [ARGS...]
set -euo pipefail
progressd=$1
shift
work=$(mktemp -d)
read_flags=()
if [[ "${WITH_READ_SERVER:-0}" == 1 ]]; then
  read_flags=(--read_listen=127.0.0.1:0 --read_port_file="$work/read_port")
fi
"$progressd" --listen=127.0.0.1:0 --port_file="$work/port" \
  --metrics_listen=127.0.0.1:0 --metrics_port_file="$work/metrics_port" \
  "${read_flags[@]}" --log_level=warn &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 400); do
  [[ -s "$work/port" ]] && break
  kill -0 "$daemon" 2>/dev/null || { echo "progressd did not start" >&2; exit 1; }
  sleep 0.05
done
[[ -s "$work/port" ]] || { echo "progressd did not write its port" >&2; exit 1; }
# The metrics port file is written before the gRPC one.
export PROGRESS_TRACKER_ADDRESS="127.0.0.1:$(cat "$work/port")"
export PROGRESS_METRICS_ADDRESS="127.0.0.1:$(cat "$work/metrics_port")"
export PROGRESSD_PID=$daemon
if [[ -s "$work/read_port" ]]; then
  export PROGRESS_READ_ADDRESS="127.0.0.1:$(cat "$work/read_port")"
fi
status=0
"$@" || status=$?
exit "$status"
