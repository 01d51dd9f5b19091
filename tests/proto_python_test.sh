#!/usr/bin/env bash
# Compiles the wire contract with protoc's Python generator and gRPC's Python
# plugin, then byte-compiles the result: the proto must need nothing C++.
set -euo pipefail
proto_root=$1
python_plugin=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

protoc --proto_path="$proto_root" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$python_plugin" \
  progress/v1/progress.proto

for generated in progress/v1/progress_pb2.py progress/v1/progress_pb2_grpc.py; do
  [[ -s "$out/$generated" ]] || { echo "missing $generated" >&2; exit 1; }
done
grep -q "class ProgressTrackerStub" "$out/progress/v1/progress_pb2_grpc.py"
python3 -m py_compile "$out/progress/v1/progress_pb2.py" \
  "$out/progress/v1/progress_pb2_grpc.py"
echo "proto compiles for Python: ok"
