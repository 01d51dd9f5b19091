#!/usr/bin/env bash
# A real Prometheus server scrapes a real progressd: the counter it stores
# must equal exactly what a worker sent, and rate() over it must be positive
# while the worker runs. Everything runs on free loopback ports and is removed
# afterwards. Runs under with_daemon.sh, which provides the daemon.
#   with_daemon.sh PROGRESSD prometheus_e2e_test.sh SOURCE_DIR PACED_WORKER
set -euo pipefail
source_dir=$1
paced_worker=$2

if ! command -v prometheus >/dev/null; then
  "$source_dir/scripts/install-deps.sh" --with-test-tools
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The project's own scrape config, pointed at this daemon with a 1 s interval.
sed -e "s/127.0.0.1:9464/$PROGRESS_METRICS_ADDRESS/" \
  -e "s/scrape_interval: .*/scrape_interval: 1s/" \
  "$source_dir/deploy/prometheus/prometheus.yml" >"$work/prometheus.yml"
prometheus_port=$(free_port)
prometheus --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" \
  --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)

query() {  # Prints the first sample's value of an instant query, or nothing.
  curl -sf "http://127.0.0.1:$prometheus_port/api/v1/query" \
    --data-urlencode "query=$1" 2>/dev/null |
    python3 -c 'import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if result else "")' 2>/dev/null || true
}

for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$prometheus_port/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$prometheus_port/-/ready" >/dev/null ||
  { cat "$work/prometheus.log" >&2; echo "prometheus did not start" >&2; exit 1; }

# 20 ticks a second of 37 records, for 8 seconds: 5,920 records.
job=e2e
"$paced_worker" "$job" 37 160 50 >"$work/worker.out" &
worker=$!
pids+=("$worker")

positive_rate=""
while kill -0 "$worker" 2>/dev/null; do
  rate=$(query "rate(progress_tracker_success_total{job=\"$job\"}[5s])")
  if [[ -n "$rate" ]] && python3 -c "import sys; sys.exit(0 if float('$rate') > 0 else 1)"; then
    positive_rate=$rate
  fi
  sleep 0.5
done
wait "$worker"
sent=$(awk '/^SENT/ {print $2}' "$work/worker.out")
[[ "$sent" == 5920 ]] || { echo "worker sent '$sent'" >&2; exit 1; }
[[ -n "$positive_rate" ]] ||
  { echo "rate() was never positive while the worker ran" >&2; exit 1; }
echo "rate() while running: $positive_rate records/s"

stored=""
for _ in $(seq 100); do
  stored=$(query "progress_tracker_success_total{job=\"$job\"}")
  [[ "$stored" == "$sent" ]] && break
  sleep 0.2
done
if [[ "$stored" != "$sent" ]]; then
  echo "Prometheus holds '$stored', the worker sent $sent" >&2
  exit 1
fi
echo "Prometheus holds progress_tracker_success_total{job=\"$job\"} = $stored, exactly what was sent"
