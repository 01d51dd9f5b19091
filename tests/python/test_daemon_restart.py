"""A daemon crash in the middle of a job: progressd is SIGKILLed and started
again on the same port (with no state) while Python worker processes keep
adding. Clients resend their cumulative counts to the new daemon, and a
flush retries until its deadline, so the final counts are exact."""

from __future__ import annotations

import select
import time

import pytest

import progress_tracker as pt
from conftest import start_python, summed_outputs

WORKERS = 3

# Adds in small batches until the stop file appears, then flushes (waiting
# out the restart if need be) and prints what it added.
WORKER = """
import json, os, random, sys, time
import progress_tracker as pt

job_name, stop_file, seed, mode = sys.argv[1:]
client = pt.default_client() if mode == "default" else pt.Client()
job = client.job(job_name)
rng = random.Random(seed)
success = failure = 0
print("started", flush=True)
while not os.path.exists(stop_file):
    for _ in range(50):
        n = rng.randint(1, 9)
        if rng.random() < 0.1:
            job.add_failure(n)
            failure += n
        else:
            job.add_success(n)
            success += n
    time.sleep(0.002)
client.flush(timeout=30)
print(json.dumps([success, failure]), flush=True)
"""


def counts_on(daemon, job_name):
    """The daemon's (success, failure) for the job, None while it has none
    (or cannot answer)."""
    try:
        with pt.Client(daemon.address, shutdown_timeout=0.5) as reader:
            counts = reader.get_counts(job_name, timeout=2)
    except (pt.NotFoundError, pt.UnavailableError, pt.DeadlineExceededError):
        return None
    return counts.success, counts.failure


def first_line(worker, timeout: float = 30) -> str:
    """The worker's first line of output, or "" if none came in time."""
    ready, _, _ = select.select([worker.stdout], [], [], timeout)
    return worker.stdout.readline().strip() if ready else ""


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} within {timeout}s")


@pytest.mark.parametrize("restarts", [1, 2])
def test_counts_are_exact_across_daemon_restarts(fresh_daemon, tmp_path,
                                                 job_name, restarts):
    stop_file = tmp_path / "stop"
    workers = [start_python(WORKER, [job_name, str(stop_file), str(seed),
                                     "default" if seed % 2 else "explicit"],
                            PROGRESS_TRACKER_ADDRESS=fresh_daemon.address)
               for seed in range(WORKERS)]
    try:
        for worker in workers:
            assert first_line(worker) == "started"
        for _ in range(restarts):
            # Counts have arrived: there is something to lose.
            wait_until(lambda: counts_on(fresh_daemon, job_name), 20,
                       "the daemon did not get counts")
            fresh_daemon.restart(down_for=0.3)
            time.sleep(0.3)  # workers go on adding to the new daemon
        stop_file.touch()
        success, failure = summed_outputs(workers)
    finally:
        stop_file.touch()
        for worker in workers:
            worker.kill()
            worker.wait()
    # Each worker's flush returned only once the new daemon held its counts.
    assert counts_on(fresh_daemon, job_name) == (success, failure)
