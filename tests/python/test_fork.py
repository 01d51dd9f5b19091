"""fork(): the default client is renewed in children (fresh id, same Job
objects, counting from zero), explicit clients made before a fork fail there
clearly, and multiprocessing children deliver exactly: by flushing, or, when
they return normally, through the binding's exit hook.

Every wait is bounded; a child that hangs fails its test, never the run."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import threading
import time

import pytest

import progress_tracker as pt
from conftest import PROCESS_TIMEOUT, run_python

fork = multiprocessing.get_context("fork")


def read_counts(daemon, job_name):
    with pt.Client(daemon.address) as reader:
        counts = reader.get_counts(job_name)
    return counts.success, counts.failure


def wait_for_pid(pid: int, timeout: float = PROCESS_TIMEOUT) -> int:
    """The exit status of child `pid`; kills it after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError(f"child {pid} did not end within {timeout}s")


def join_all(processes, timeout: float = PROCESS_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
            raise AssertionError(f"{process.name} did not end in time")
        assert process.exitcode == 0, process.exitcode


def os_fork_child(job, parent_id: str, index: int, write_end: int) -> None:
    """A child of os.fork(): adds, flushes, reports, and _exit()s (never
    returning into pytest)."""
    report = {"ok": False}
    try:
        client = pt.default_client()
        report["fresh_id"] = client.id != parent_id
        report["same_job"] = client.job(job.name) is job
        report["from_zero"] = job.local_counts() == (0, 0)
        job.add_success(10 * (index + 1))
        job.add_failure(index)
        client.flush(timeout=20)
        report["ok"] = True
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        report["error"] = repr(error)
    finally:
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)


def test_default_client_across_os_fork(daemon, job_name):
    client = pt.default_client()
    job = client.job(job_name)
    job.add_success(100)
    client.flush()
    parent_id = client.id
    children = []
    for index in range(3):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os_fork_child(job, parent_id, index, write_end)
        os.close(write_end)
        children.append((pid, read_end))
    job.add_success(50)  # the parent goes on counting meanwhile
    client.flush(timeout=20)
    for pid, read_end in children:
        assert wait_for_pid(pid) == 0
        with os.fdopen(read_end) as reader:
            report = json.loads(reader.read())
        assert report == {"ok": True, "fresh_id": True, "same_job": True,
                          "from_zero": True}, report
    assert job.local_counts() == (150, 0)  # the parent's own records only
    assert read_counts(daemon, job_name) == (150 + 10 + 20 + 30, 0 + 1 + 2)


def add_and_return(job_name: str, address: str, index: int) -> None:
    """A multiprocessing child that never flushes: the exit hook must deliver
    both the default client's counts and its own Client's."""
    pt.default_client().job(job_name).add_success(index + 1)
    own = pt.Client(address)  # left open on purpose
    own.job(job_name).add_failure(100 * (index + 1))


def test_multiprocessing_process_delivers_without_flush(daemon, job_name):
    pt.default_client().job(job_name).add_success(1000)  # used before fork
    processes = [fork.Process(target=add_and_return,
                              args=(job_name, daemon.address, index))
                 for index in range(4)]
    for process in processes:
        process.start()
    join_all(processes)
    pt.default_client().flush()
    assert read_counts(daemon, job_name) == (1000 + 1 + 2 + 3 + 4,
                                             100 + 200 + 300 + 400)


NOTHING_COUNTED_CHILD = """
import json, multiprocessing, sys, time
import progress_tracker as pt
from progress_tracker import _library


def child(job_name, calls):
    lib = _library.load()
    real = lib.progress_client_shutdown

    def timed(handle, timeout_ms):
        # A long timeout: a final flush that waited for the daemon would
        # show as 30 s.
        start = time.monotonic()
        code = real(handle, 30000)
        calls.put((code, time.monotonic() - start))
        return code

    lib.progress_client_shutdown = timed
    pt.default_client().job(job_name)  # a job, but not one count


pt.default_client()  # made before the fork, as a pool's parent does
calls = multiprocessing.get_context("fork").SimpleQueue()
process = multiprocessing.get_context("fork").Process(
    target=child, args=(sys.argv[1], calls))
process.start()
process.join(60)
assert process.exitcode == 0, process.exitcode
seen = []
while not calls.empty():
    seen.append(calls.get())
print(json.dumps(seen))
"""


def test_a_child_that_counted_nothing_ends_at_once_without_a_daemon(
        dead_address, job_name):
    """The exit hook shuts the child's default client down through the
    library, which, with nothing to send, neither connects nor waits."""
    result = run_python(NOTHING_COUNTED_CHILD, [job_name],
                        PROGRESS_TRACKER_ADDRESS=dead_address)
    assert result.returncode == 0, result.stderr
    [(code, seconds)] = json.loads(result.stdout)
    assert code == 0
    assert seconds < 5.0, seconds


def pool_task(job_name: str, records: int, flush: bool) -> int:
    job = pt.default_client().job(job_name)
    for record in range(records):
        if record % 10 == 0:
            job.add_failure()
        else:
            job.add_success()
    if flush:  # what a pool worker must do to survive Pool.terminate()
        pt.default_client().flush(timeout=20)
    return records


def test_pool_workers_that_flush_per_task_survive_terminate(daemon, job_name):
    pt.default_client().job(job_name)  # made before the fork
    with fork.Pool(3) as pool:  # leaving the block terminates the workers
        done = pool.starmap_async(
            pool_task, [(job_name, 100, True)] * 12).get(PROCESS_TIMEOUT)
    assert sum(done) == 1200
    assert read_counts(daemon, job_name) == (1080, 120)


def test_pool_workers_that_end_normally_deliver_without_flush(daemon,
                                                              job_name):
    pool = fork.Pool(3)
    done = pool.starmap_async(
        pool_task, [(job_name, 100, False)] * 9).get(PROCESS_TIMEOUT)
    pool.close()
    joiner = threading.Thread(target=pool.join, daemon=True)
    joiner.start()
    joiner.join(PROCESS_TIMEOUT)
    if joiner.is_alive():
        pool.terminate()
        pytest.fail("the pool's workers did not end")
    assert sum(done) == 900
    assert read_counts(daemon, job_name) == (810, 90)


def use_inherited_client(client: pt.Client, address: str, job_name: str,
                         results) -> None:
    try:
        client.flush()
        results.put("no error")
    except pt.FailedPreconditionError as error:
        results.put(error.message)
    client.job(job_name).add_success(5)  # counted locally, never sent
    with pt.Client(address) as fresh:
        fresh.job(job_name).add_success(7)


def test_inherited_client_fails_and_a_new_one_works(daemon, job_name):
    with pt.Client(daemon.address) as client:
        client.job(job_name).add_success(1)
        results = fork.SimpleQueue()
        child = fork.Process(target=use_inherited_client,
                             args=(client, daemon.address, job_name, results))
        child.start()
        join_all([child])
        message = results.get()
        assert "created before fork()" in message
        assert "Create a new client" in message
        client.flush()  # the parent's client is unaffected
    assert read_counts(daemon, job_name) == (1 + 7, 0)


FIRST_IMPORT_IN_CHILD = """
import multiprocessing, sys


def child(job_name):
    import progress_tracker as pt  # first imported here, after the fork
    pt.default_client().job(job_name).add_success(33)


process = multiprocessing.get_context("fork").Process(
    target=child, args=(sys.argv[1],))
process.start()
process.join(60)
assert process.exitcode == 0, process.exitcode
assert "progress_tracker" not in sys.modules
"""


def test_package_first_imported_in_a_child_delivers(daemon, job_name):
    result = run_python(FIRST_IMPORT_IN_CHILD, [job_name],
                        PROGRESS_TRACKER_ADDRESS=daemon.address)
    assert result.returncode == 0, result.stderr
    assert read_counts(daemon, job_name) == (33, 0)


def _exit_normally() -> None:
    pt.default_client()


def test_a_lock_held_by_another_thread_at_fork_does_not_hang_the_child(
        daemon):
    """The package's process-wide lock, held by a parent thread (as making a
    Client does) while multiprocessing forks: the child's exit hook needs it
    and must not wait for a thread that does not exist there."""
    from progress_tracker import _client
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with _client._live_lock:
            held.set()
            release.wait(PROCESS_TIMEOUT)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        child = fork.Process(target=_exit_normally)
        child.start()
        child.join(PROCESS_TIMEOUT / 2)
        alive = child.is_alive()
        if alive:
            child.kill()
    finally:
        release.set()
        holder.join()
    assert not alive and child.exitcode == 0


INHERITED_CHILD = """
import multiprocessing, sys
import progress_tracker as pt
client = pt.Client(sys.argv[1])
job = client.job(sys.argv[2])
job.add_success(5)          # the parent's own, before the fork
def work():
    job.add_success(7)      # the child's, on the parent's client
p = multiprocessing.get_context("fork").Process(target=work)
p.start(); p.join()
client.close()
"""


def test_adds_on_an_inherited_client_are_said_on_stderr(daemon, job_name):
    finished = run_python(INHERITED_CHILD, [daemon.address, job_name])
    assert finished.returncode == 0, finished.stderr
    assert re.search(r"progress_tracker \(pid \d+\): 7 records counted on a "
                     r"Client made before fork\(\) in pid \d+ were never "
                     r"sent", finished.stderr), finished.stderr
    assert read_counts(daemon, job_name) == (5, 0)
