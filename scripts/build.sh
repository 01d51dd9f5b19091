#!/usr/bin/env bash
# Installs what is missing, then configures and builds everything with Ninja.
# BUILD_DIR (default: build) and BUILD_TYPE (default: RelWithDebInfo) may be
# set; PROGRESS_BUILD_TESTS=OFF and PROGRESS_BUILD_BENCHMARKS=OFF build only
# what `cmake --install` installs (and the demo), and skip installing the
# packages only the tests or benchmarks need (the container image does this).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
# Always passed, so a build folder once configured without tests gets them
# back when the variable is unset, rather than a test run that finds none.
build_tests=${PROGRESS_BUILD_TESTS:-ON}
build_benchmarks=${PROGRESS_BUILD_BENCHMARKS:-ON}

off() { [[ "${1^^}" =~ ^(OFF|0|FALSE|NO|N)$ ]]; }
deps_options=()
off "$build_tests" && deps_options+=(--without-tests)
off "$build_benchmarks" && deps_options+=(--without-benchmarks)
"$root/scripts/install-deps.sh" "${deps_options[@]}"
cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DPROGRESS_BUILD_TESTS="$build_tests" \
  -DPROGRESS_BUILD_BENCHMARKS="$build_benchmarks" >/dev/null
# Two cores, and gRPC headers are heavy: more jobs only thrash memory.
cmake --build "$build_dir" -- -j"$(nproc)"
