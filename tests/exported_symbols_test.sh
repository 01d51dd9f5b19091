#!/usr/bin/env bash
# The client library exports its C interface and nothing else: no gRPC,
# Protobuf, Abseil or C++ symbol that could clash with another copy.
set -euo pipefail
library=$1
exported=$(nm -D --defined-only "$library" | awk '{print $3}' | sort)
[[ -n "$exported" ]] || { echo "no exported symbols in $library" >&2; exit 1; }
foreign=$(grep -v '^progress_' <<<"$exported" || true)
if [[ -n "$foreign" ]]; then
  echo "exported symbols outside the progress_ prefix:" >&2
  echo "$foreign" >&2
  exit 1
fi
if grep -Eiq 'grpc|protobuf|absl|_Z' <<<"$exported"; then
  echo "gRPC/Protobuf/Abseil/C++ symbols exported" >&2
  exit 1
fi
echo "exported: $(wc -l <<<"$exported") symbols, all progress_*"
