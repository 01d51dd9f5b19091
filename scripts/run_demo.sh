#!/usr/bin/env bash
# Runs the demo end to end from an existing build: progressd on a free
# loopback port, the reporter logging the job (to stderr), and the batch
# job's driver with its worker processes. Stops the daemon cleanly. Exits
# non-zero if the daemon's counts are not exact or the reporter did not finish.
#
#   run_demo.sh BUILD_DIR [driver flags...]     e.g. --records=2000 --workers=2
#
# The daemon's live web page is http://127.0.0.1:9464/ (open it while the
# demo runs; /metrics and /api/v1/jobs are beside it);
# PROGRESS_DEMO_METRICS=host:port moves them (port 0: a free one).
set -euo pipefail
build_dir=$(cd "$1" && pwd)
shift

work=$(mktemp -d)
daemon_pid=""
reporter_pid=""
cleanup() {
  [[ -n "$reporter_pid" ]] && kill "$reporter_pid" 2>/dev/null || true
  [[ -n "$daemon_pid" ]] && kill -TERM "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir/server/progressd" --listen=127.0.0.1:0 --port_file="$work/port" \
  --metrics_listen="${PROGRESS_DEMO_METRICS:-127.0.0.1:9464}" \
  --metrics_port_file="$work/metrics_port" >"$work/progressd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 200); do
  [[ -s "$work/port" ]] && break
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    cat "$work/progressd.log" >&2
    echo "demo: progressd did not start" >&2
    exit 1
  fi
  sleep 0.05
done
address="127.0.0.1:$(cat "$work/port")"
export PROGRESS_TRACKER_ADDRESS=$address
job="demo-$(date +%s)"
http_base="http://127.0.0.1:$(cat "$work/metrics_port")"
echo "demo: progressd on $address; job $job"
echo "demo: watch it live at $http_base/ (JSON: $http_base/api/v1/jobs, Prometheus: $http_base/metrics)"

"$build_dir/client/reporter/progress-reporter" --job="$job" --until_done \
  --interval=500ms &
reporter_pid=$!

driver_status=0
"$build_dir/examples/batch_job/batch_job_driver" --job="$job" "$@" ||
  driver_status=$?

# The reporter stops by itself (exit 0) once it sees the job reach its total,
# which the driver has waited for; give it a few polls. If it is still
# running, SIGTERM makes it take a last look and print its summary: 0 if the
# job is complete by then, 5 if it never was.
for _ in $(seq 200); do
  kill -0 "$reporter_pid" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$reporter_pid" 2>/dev/null; then
  kill -TERM "$reporter_pid" 2>/dev/null || true
fi
reporter_status=0
wait "$reporter_pid" || reporter_status=$?
reporter_pid=""

kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
echo "demo: progressd stopped (exit $daemon_status)"

if ((driver_status != 0 || reporter_status != 0 || daemon_status != 0)); then
  echo "demo: FAILED (driver $driver_status, reporter $reporter_status, progressd $daemon_status)" >&2
  exit 1
fi
