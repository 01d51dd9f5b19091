#!/usr/bin/env bash
# The Grafana dashboard parses, and every metric its queries use is one that a
# live progressd exports (checked against a real scrape, not a kept list).
# Runs under with_daemon.sh, which provides the daemon.
#   with_daemon.sh PROGRESSD dashboard_test.sh SOURCE_DIR BATCH_JOB_DRIVER
set -euo pipefail
source_dir=$1
driver=$2
dashboard=$source_dir/deploy/grafana/progress-tracker.json

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A finished job with a known total, so every per-job family has a series;
# and one rejected call, so the rejection family has one too.
"$driver" --server="$PROGRESS_TRACKER_ADDRESS" --job=dashboard \
  --records=200 --workers=1 --rounds=1 >/dev/null
"$driver" --server="$PROGRESS_TRACKER_ADDRESS" --job="bad name" \
  --records=1 --workers=1 >/dev/null 2>&1 || true
curl -sf "http://$PROGRESS_METRICS_ADDRESS/metrics" >"$work/scrape"

python3 - "$dashboard" "$work/scrape" <<'PY'
import json, re, sys

dashboard = json.load(open(sys.argv[1]))
scrape = open(sys.argv[2]).read()
exported = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M))
with_series = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", scrape, re.M))

def expressions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "query", "definition") and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)

used = set()
for expression in expressions(dashboard):
    used.update(re.findall(r"progress_tracker_[a-z0-9_]+", expression))
missing = sorted(name for name in used if name not in exported)
empty = sorted(name for name in used if name in exported and name not in with_series)
for name in ("progress_tracker_success_total", "progress_tracker_failure_total",
             "progress_tracker_records_per_sec"):
    if name not in used:
        sys.exit(f"the dashboard does not show {name}")
if missing:
    sys.exit(f"the dashboard queries metrics progressd does not export: {missing}")
if empty:
    sys.exit(f"exported but without any series in the scrape: {empty}")
print(f"dashboard: {len(used)} metric names, all exported by progressd")
PY
