#!/usr/bin/env bash
# Builds with sanitizers in a build folder of its own and runs tests there.
#
#   sanitize.sh asan [CTEST_ARGS...]   AddressSanitizer + UndefinedBehavior-
#                                      Sanitizer, the whole suite (build-asan)
#   sanitize.sh tsan [CTEST_ARGS...]   ThreadSanitizer, the concurrency tests
#                                      (build-tsan; see scripts/tsan-absl.sh
#                                      and CONCURRENCY in tests/CMakeLists.txt)
#
# BUILD_DIR overrides the folder. A report from any process, including a
# daemon a test spawned and whose exit status it ignores, fails the run:
# reports go to files under BUILD_DIR/sanitizer-logs, which are printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
shift || true
supp=$root/tests/sanitizers

case "$mode" in
  asan)
    build_dir=${BUILD_DIR:-$root/build-asan}
    sanitize=address,undefined
    cmake_args=()
    targets=()
    # gcc 12's AddressSanitizer has no fork handlers for its allocator: a
    # child forked while another thread is inside malloc waits for good on
    # that thread's allocator lock in its own first malloc (seen in the fork
    # tests' children, stuck in SizeClassAllocator64::GetFromAllocator).
    # glibc's malloc takes its locks across fork(); the normal build runs
    # these tests, and LLVM 17's ASan would take them too.
    ctest_select=(-LE forks_busy)
    ;;
  tsan)
    build_dir=${BUILD_DIR:-$root/build-tsan}
    sanitize=thread
    # Debian's Abseil is not instrumented, and absl::Mutex hands memory from
    # thread to thread through its own futex code, which TSan only sees
    # when Abseil is built with it: an instrumented copy comes first.
    absl_prefix=$("$root/scripts/tsan-absl.sh" "$build_dir/absl")
    cmake_args=(-DCMAKE_PREFIX_PATH="$absl_prefix")
    # The tests whose threads meet in our code with no gRPC between them
    # (gRPC stays uninstrumented: see the README's "Sanitizers and
    # fuzzers"); tests/CMakeLists.txt marks them CONCURRENCY.
    targets=(progress_concurrency_tests)
    ctest_select=(-L concurrency)
    ;;
  *)
    echo "usage: sanitize.sh asan|tsan [CTEST_ARGS...]" >&2
    exit 2
    ;;
esac

"$root/scripts/install-deps.sh" --with-test-tools --without-benchmarks
cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DPROGRESS_SANITIZE="$sanitize" -DPROGRESS_BUILD_TESTS=ON \
  -DPROGRESS_BUILD_BENCHMARKS=OFF "${cmake_args[@]}" >/dev/null
start=$SECONDS
cmake --build "$build_dir" -- -j"$(nproc)" "${targets[@]}"
echo "sanitize.sh $mode: build took $((SECONDS - start))s" >&2

logs=$build_dir/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# halt_on_error: the first report ends the process, so a test cannot pass
# over it. LSan's suppressions name only third-party frames.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$logs/tsan"

start=$SECONDS
status=0
(cd "$build_dir" && ctest --output-on-failure -j"$(nproc)" \
  "${ctest_select[@]}" "$@") || status=$?
echo "sanitize.sh $mode: tests took $((SECONDS - start))s" >&2

# Files without a summary hold only notes, such as LeakSanitizer's "thread
# ... was not suspended" in forked children, which end no process.
mapfile -t reports < <(grep -l -E '^SUMMARY: |runtime error: ' -r "$logs" || true)
if ((${#reports[@]} > 0)); then
  echo "sanitize.sh $mode: ${#reports[@]} sanitizer report(s):" >&2
  for report in "${reports[@]}"; do
    echo "==== $report" >&2
    cat "$report" >&2
  done
  status=1
fi
exit "$status"
