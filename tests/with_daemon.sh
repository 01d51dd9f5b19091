#!/usr/bin/env bash
# Runs a command with a fresh progressd on a free loopback port, exporting
# PROGRESS_TRACKER_ADDRESS to it; stops the daemon and returns the command's
# status.   with_daemon.sh PROGRESSD COMMAND [ARGS...]
set -euo pipefail
progressd=$1
shift
work=$(mktemp -d)
"$progressd" --listen=127.0.0.1:0 --port_file="$work/port" \
  --metrics_listen=127.0.0.1:0 --log_level=warn &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 400); do
  [[ -s "$work/port" ]] && break
  kill -0 "$daemon" 2>/dev/null || { echo "progressd did not start" >&2; exit 1; }
  sleep 0.05
done
export PROGRESS_TRACKER_ADDRESS="127.0.0.1:$(cat "$work/port")"
status=0
"$@" || status=$?
exit "$status"
