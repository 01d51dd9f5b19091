"""Exactness under concurrency: 8 processes x 4 threads add a random mix of
successes and failures to one job at once; the daemon must hold exactly the
sum of what every thread added, whether each process flushes or relies on
its exit-time flush."""

from __future__ import annotations


import pytest

import progress_tracker as pt
from conftest import start_python, summed_outputs

PROCESSES = 8
THREADS = 4
ADDS_PER_THREAD = 5000

WORKER = """
import json, random, sys, threading
import progress_tracker as pt

address, job_name, seed, mode, ending, threads, adds = sys.argv[1:]
threads, adds = int(threads), int(adds)
client = pt.default_client() if mode == "default" else pt.Client(address)
job = client.job(job_name)
totals = [[0, 0] for _ in range(threads)]
start = threading.Barrier(threads)


def work(index):
    rng = random.Random(f"{seed}-{index}")
    mine = totals[index]
    start.wait()  # all threads add at once
    for _ in range(adds):
        n = rng.choice((1, 1, 1, 2, 7, 1000))
        failed = rng.random() < 0.2
        add = job.add_failure if failed else job.add_success
        if n == 1 and rng.random() < 0.5:
            add()  # the default argument's path
        else:
            add(n)
        mine[1 if failed else 0] += n


workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
success = sum(mine[0] for mine in totals)
failure = sum(mine[1] for mine in totals)
assert job.local_counts() == (success, failure), (job.local_counts(), success)
if ending == "flush":
    client.flush(timeout=30)
print(json.dumps([success, failure]))
"""


def run_workers(daemon, job_name: str, ending: str):
    """Starts PROCESSES workers at once (half on the default client, half on
    a Client of their own); returns their (success, failure) sums."""
    workers = [
        start_python(WORKER, [daemon.address, job_name, str(seed),
                              "default" if seed % 2 else "explicit", ending,
                              str(THREADS), str(ADDS_PER_THREAD)],
                     PROGRESS_TRACKER_ADDRESS=daemon.address)
        for seed in range(PROCESSES)]
    try:
        success, failure = summed_outputs(workers)
    finally:
        for worker in workers:
            worker.kill()
    return success, failure


@pytest.mark.parametrize("ending", ["flush", "exit"])
def test_concurrent_processes_and_threads_sum_exactly(daemon, job_name, ending):
    success, failure = run_workers(daemon, job_name, ending)
    assert success > 0 and failure > 0
    with pt.Client(daemon.address) as reader:
        counts = reader.get_counts(job_name)
    assert (counts.success, counts.failure) == (success, failure)
    assert counts.clients == PROCESSES
