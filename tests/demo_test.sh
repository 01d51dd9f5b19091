#!/usr/bin/env bash
# The demo end to end at a small size: the script's exit status proves the
# daemon's counts were exact; the output must show the user's progress lines
# and a Final block whose total is the number of records processed.
#   demo_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
records=3000
output=$(PROGRESS_DEMO_METRICS=127.0.0.1:0 "$source_dir/scripts/run_demo.sh" "$build_dir" --records=$records \
  --workers=3 --batch_size=100 --rounds=50 2>&1)
echo "$output"
grep -q "daemon holds .*: exact" <<<"$output"
# The demo tells the user where to watch it.
grep -qE "^demo: watch it live at http://127\.0\.0\.1:[0-9]+/ " <<<"$output"
line='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3} INFO progress-reporter: Progress: [0-9,]+/3,000 \([0-9.]+%\) \| success: [0-9,]+ \| failure: [0-9,]+ \| [0-9,]+ rec/s \| [0-9.]+s elapsed(, ETA [0-9.]+s)?$'
progress_lines=$(grep -c "Progress: " <<<"$output")
matching=$(grep -cE "$line" <<<"$output")
((progress_lines > 0 && progress_lines == matching)) ||
  { echo "progress lines off format: $matching of $progress_lines match" >&2; exit 1; }
grep -qE "^Final: 3,000 total \| [0-9,]+ success \| [0-9,]+ failure$" <<<"$output"
grep -qE "^Time: [0-9.]+s \| Rate: [0-9,]+ rec/s$" <<<"$output"
echo "demo: exact, format ok"
