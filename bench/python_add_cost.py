#!/usr/bin/env python3
"""What job.add_success() costs from Python, next to a bare `x += 1`.

Each case runs the same `for` loop over ITERATIONS; the figure is the best of
REPEATS runs, in ns per iteration (loop overhead included, so the bare loop
is the baseline to subtract). No daemon is needed: adding never talks to it.

    PROGRESS_CLIENT_LIBRARY=build/client/libprogress_client.so.0 \\
        python3 bench/python_add_cost.py [--iterations=2000000] [--repeats=5]
"""

import argparse
import os
import sys
import time

# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "client", "python"))

import progress_tracker  # noqa: E402


def bare_increment(iterations: int, _job: progress_tracker.Job) -> None:
    x = 0
    for _ in range(iterations):
        x += 1


def add_success_1(iterations: int, job: progress_tracker.Job) -> None:
    for _ in range(iterations):
        job.add_success()


def add_success_5(iterations: int, job: progress_tracker.Job) -> None:
    for _ in range(iterations):
        job.add_success(5)


def add_failure_1(iterations: int, job: progress_tracker.Job) -> None:
    for _ in range(iterations):
        job.add_failure()


def ctypes_call_alone(iterations: int, job: progress_tracker.Job) -> None:
    """The library call without the method around it (private names: for
    seeing where the time goes only)."""
    from progress_tracker import _job

    add, handle = _job._add_success, job._handle
    for _ in range(iterations):
        add(handle, 1)


def best_ns_per_op(case, iterations: int, repeats: int,
                   job: progress_tracker.Job) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        case(iterations, job)
        best = min(best, time.perf_counter_ns() - start)
    return best / iterations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()

    # Nothing listens on port 1 of loopback: adding never needs the daemon,
    # and the flusher's warnings about it are not wanted here.
    progress_tracker.set_log_level("off")
    client = progress_tracker.Client("127.0.0.1:1", shutdown_timeout=0.1)
    job = client.job("python-add-cost")
    cases = [("bare x += 1", bare_increment),
             ("job.add_success()", add_success_1),
             ("job.add_success(5)", add_success_5),
             ("job.add_failure()", add_failure_1),
             ("ctypes call alone", ctypes_call_alone)]
    print(f"Python {sys.version.split()[0]}, {options.iterations:,} "
          f"iterations, best of {options.repeats}:")
    baseline = None
    for label, case in cases:
        ns = best_ns_per_op(case, options.iterations, options.repeats, job)
        if baseline is None:
            baseline = ns
            print(f"  {label:<20} {ns:7.1f} ns/op")
        else:
            print(f"  {label:<20} {ns:7.1f} ns/op "
                  f"({ns - baseline:.1f} ns over x += 1)")
    runs = options.iterations * options.repeats
    assert job.local_counts() == (runs * 7, runs), job.local_counts()
    try:
        client.close()
    except progress_tracker.ProgressError:
        pass  # nothing listens, so the final flush cannot succeed
    return 0


if __name__ == "__main__":
    sys.exit(main())
