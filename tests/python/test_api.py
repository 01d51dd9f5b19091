"""The public API of progress_tracker against a real daemon: every method and
property, the values it returns, and the errors it raises."""

from __future__ import annotations

import ctypes
import gc
import weakref
from datetime import datetime, timedelta, timezone

import pytest

import progress_tracker as pt
from progress_tracker import _library
from conftest import run_python


@pytest.fixture
def client(daemon):
    with pt.Client(daemon.address) as made:
        yield made


def test_public_names_are_exported():
    for name in pt.__all__:
        assert hasattr(pt, name), name
    assert pt.__version__ == "0.1.0"


def test_client_properties(daemon):
    with pt.Client(daemon.address, client_id="py-props:1") as named:
        assert named.id == "py-props:1"
        assert named.target == daemon.address
        assert not named.closed
        assert "py-props:1" in repr(named)
    assert named.closed
    with pt.Client(daemon.address) as anonymous:
        assert len(anonymous.id) == 16
        int(anonymous.id, 16)  # a random hex id


def test_job_is_cached_per_name_and_knows_its_client(client, job_name):
    job = client.job(job_name)
    assert client.job(job_name) is job
    assert client.job(job_name + "-other") is not job
    assert job.name == job_name
    assert job.client is client
    assert job_name in repr(job)


def test_adds_are_counted_locally_and_delivered_exactly(client, job_name):
    job = client.job(job_name)
    job.add_success()
    job.add_success(41)
    job.add_failure()
    job.add_failure(6)
    job.add_success(0)
    assert job.local_counts() == (42, 7)
    assert job.local_counts().success == 42
    assert job.local_counts().failure == 7
    client.flush(timeout=10)
    counts = client.get_counts(job_name)
    assert (counts.success, counts.failure, counts.processed) == (42, 7, 49)
    assert counts.clients == 1


def test_integer_types_with_index_are_taken(client, job_name):
    class NumpyLikeInt:
        def __index__(self):
            return 3

    job = client.job(job_name)
    job.add_success(NumpyLikeInt())
    job.add_failure(NumpyLikeInt())
    assert job.local_counts() == (3, 3)


def test_start_and_finish_job(client, job_name):
    client.start_job(job_name, expected_total=1000)
    started = client.get_counts(job_name)
    assert started.expected_total == 1000
    assert not started.done and started.finish_time is None
    assert started.first_update_time is None  # nothing added yet
    client.job(job_name).add_success(10)
    client.flush()
    client.finish_job(job_name)
    finished = client.get_counts(job_name)
    assert finished.done and finished.success == 10
    assert finished.finish_time >= finished.created_time


def test_job_counts_field_types(client, job_name):
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    client.job(job_name).add_failure(3)
    client.flush()
    counts = client.get_counts(job_name)
    assert counts.name == job_name
    for field in ("success", "failure", "expected_total", "clients"):
        assert type(getattr(counts, field)) is int, field
    for field in ("average_rate", "recent_rate"):
        assert type(getattr(counts, field)) is float, field
    assert type(counts.done) is bool
    for field in ("created_time", "first_update_time", "last_update_time"):
        value = getattr(counts, field)
        assert isinstance(value, datetime), field
        assert value.tzinfo is timezone.utc, field
        assert before <= value <= datetime.now(timezone.utc), field
    assert counts.finish_time is None
    assert counts.expected_total == 0
    with pytest.raises(AttributeError):
        counts.success = 1  # frozen


def test_raw_info_keeps_exact_nanoseconds(client, job_name):
    client.job(job_name).add_success(2)
    client.flush()
    info = client._get_counts_info(job_name, 5.0)
    assert isinstance(info, _library.ProgressJobInfo)
    assert (info.success, info.failure) == (2, 0)
    assert info.created_time_ns > 0 and info.finish_time_ns == 0
    counts = client.get_counts(job_name)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert counts.created_time == epoch + timedelta(
        microseconds=info.created_time_ns // 1000)


def test_context_manager_delivers_at_exit(daemon, job_name):
    with pt.Client(daemon.address) as scoped:
        scoped.job(job_name).add_success(5)
    assert scoped.closed
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).success == 5


def test_failed_final_flush_does_not_hide_the_blocks_error(dead_address):
    with pytest.raises(KeyError):
        with pt.Client(dead_address, shutdown_timeout=0.2) as scoped:
            scoped.job("lost").add_success()
            raise KeyError("the block's own error")


def test_close_raises_when_counts_are_not_confirmed(dead_address):
    unreachable = pt.Client(dead_address)
    unreachable.job("lost").add_success(3)
    expected = (pt.DeadlineExceededError, pt.UnavailableError)
    with pytest.raises(expected) as error:
        unreachable.close(timeout=0.3)
    assert "not confirmed" in error.value.message
    assert "3 records" in error.value.message
    # Idempotent: the first result again.
    with pytest.raises(type(error.value)):
        unreachable.close()


def test_adds_after_close_are_counted_but_never_sent(daemon, job_name):
    client = pt.Client(daemon.address)
    job = client.job(job_name)
    job.add_success()
    client.close()
    job.add_success(99)  # safe, and local only
    assert job.local_counts() == (100, 0)
    with pytest.raises(pt.FailedPreconditionError, match="shut down"):
        client.flush()
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).success == 1


@pytest.fixture
def destroyed(monkeypatch):
    """The handles progress_client_destroy is called with, in order (it is
    still called), with markers other code appends. Earlier tests' garbage
    is collected first."""
    gc.collect()
    lib = _library.load()
    calls = []
    real = lib.progress_client_destroy

    def spy(handle):
        calls.append(handle)
        real(handle)

    monkeypatch.setattr(lib, "progress_client_destroy", spy)
    return calls


def test_jobs_keep_their_client_alive_and_it_is_freed_after(daemon, job_name,
                                                             destroyed):
    job = pt.Client(daemon.address).job(job_name)
    gc.collect()
    job.add_success(4)  # the client is alive: the Job holds it
    client_ref = weakref.ref(job.client)
    handle = job.client._handle
    job.client.flush()
    gc.collect()
    assert handle not in destroyed
    del job
    gc.collect()
    assert client_ref() is None
    assert destroyed.count(handle) == 1  # after its final flush
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).success == 4


def test_a_del_collected_with_the_client_may_still_add(daemon, job_name,
                                                       destroyed):
    class Reporter:
        """Reports from __del__, and sits in a cycle: the collector finds it
        in the same pass as its client."""

        def __init__(self, job):
            self.job = job
            self.cycle = self

        def __del__(self):
            destroyed.append("__del__")
            self.job.add_success()  # must not touch a freed client

    gc.collect()
    gc.disable()  # one pass, ours, finds both
    try:
        client = pt.Client(daemon.address)
        handle = client._handle
        Reporter(client.job(job_name))
        del client
        gc.collect()
    finally:
        gc.enable()
    assert [event for event in destroyed
            if event in ("__del__", handle)] == ["__del__", handle]


def test_not_found_from_the_daemon(client):
    with pytest.raises(pt.NotFoundError) as error:
        client.get_counts("no-such-job.anywhere")
    assert error.value.code == 5
    assert error.value.code_name == "NOT_FOUND"
    assert "no-such-job.anywhere" in error.value.message
    assert str(error.value) == f"NOT_FOUND: {error.value.message}"
    with pytest.raises(pt.NotFoundError):
        client.finish_job("no-such-job.anywhere")


def test_invalid_argument_from_the_library(tmp_path, monkeypatch):
    missing = tmp_path / "no-ca.pem"
    with pytest.raises(pt.InvalidArgumentError) as error:
        pt.Client("127.0.0.1:1", tls_ca_file=missing)
    assert str(missing) in error.value.message
    with pytest.raises(pt.InvalidArgumentError, match="loud"):
        pt.set_log_level("loud")
    pt.set_log_level("error")


def test_unreachable_daemon(dead_address):
    with pt.Client(dead_address, shutdown_timeout=0.2) as unreachable:
        with pytest.raises((pt.UnavailableError, pt.DeadlineExceededError)):
            unreachable.get_counts("any", timeout=0.5)
        with pytest.raises(pt.UnavailableError):
            unreachable.start_job("any", timeout=0.5)
        unreachable.job("any").add_success()
        with pytest.raises(pt.DeadlineExceededError) as error:
            unreachable.flush(timeout=0.3)
        assert dead_address in error.value.message
        unreachable._close_quietly()


INHERITED_CLIENT_SCRIPT = """
import os, sys, progress_tracker as pt
address, job_name = sys.argv[1:]
client = pt.Client(address)
client.job(job_name).add_success()
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    outcome = b"no error"
    try:
        client.flush()
    except pt.FailedPreconditionError as error:
        outcome = error.message.encode()
        with pt.Client(address) as fresh:  # a new client works
            fresh.job(job_name).add_success(10)
    finally:
        os.write(write_end, outcome)
        os._exit(0)
os.close(write_end)
with os.fdopen(read_end, "rb") as reader:
    print(reader.read().decode())
os.waitpid(pid, 0)
client.close()
"""


def test_inherited_client_fails_in_a_forked_child(daemon, job_name):
    # In a process of its own, with no other clients: this one has had
    # clients of unreachable daemons, and a fork right after one of those
    # is freed may find gRPC still shutting down (see the library's fork()
    # notes), which is not what this test is about.
    result = run_python(INHERITED_CLIENT_SCRIPT, [daemon.address, job_name])
    assert result.returncode == 0, result.stderr
    assert "created before fork()" in result.stdout
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).success == 11


def test_every_code_has_its_class():
    expected = {
        1: pt.CancelledError, 2: pt.UnknownError, 3: pt.InvalidArgumentError,
        4: pt.DeadlineExceededError, 5: pt.NotFoundError,
        6: pt.AlreadyExistsError, 7: pt.PermissionDeniedError,
        8: pt.ResourceExhaustedError, 9: pt.FailedPreconditionError,
        10: pt.AbortedError, 11: pt.OutOfRangeError,
        12: pt.UnimplementedError, 13: pt.InternalError,
        14: pt.UnavailableError, 15: pt.DataLossError,
        16: pt.UnauthenticatedError}
    lib = _library.load()
    for code, cls in expected.items():
        error = pt._errors.error_for(code, "why")
        assert type(error) is cls and isinstance(error, pt.ProgressError)
        assert error.code == code and error.message == "why"
        # Named as the library names the code.
        assert error.code_name == lib.progress_status_name(code).decode()
        assert str(error) == f"{error.code_name}: why"
    odd = pt._errors.error_for(99, "odd")
    assert type(odd) is pt.ProgressError and odd.code_name == "CODE_99"


@pytest.mark.parametrize("bad_name, error", [
    ("", ValueError), ("x" * 129, ValueError), ("has space", ValueError),
    ("slash/no", ValueError), ("é", ValueError), ("nul\0", ValueError),
    (b"bytes", TypeError), (None, TypeError), (7, TypeError)])
def test_bad_job_names_raise_before_the_library(client, monkeypatch,
                                                bad_name, error):
    def must_not_be_called():
        raise AssertionError("reached the library")

    monkeypatch.setattr(pt._client, "_load", must_not_be_called)
    for call in (client.job, client.get_counts, client.finish_job,
                 client.start_job, client._get_counts_info):
        with pytest.raises(error):
            call(bad_name)


def test_name_errors_say_what_is_wrong(client):
    with pytest.raises(ValueError, match="job name is empty"):
        client.job("")
    with pytest.raises(ValueError, match="129 bytes, longer than the limit"):
        client.job("x" * 129)
    with pytest.raises(ValueError, match="byte 0x20 at offset 3"):
        client.job("has space")
    assert client.job("A-z_0.9:x" + "y" * 119).name.endswith("y")  # 128


@pytest.mark.parametrize("bad_n, error", [
    (True, TypeError), (False, TypeError), (1.0, TypeError), ("1", TypeError),
    (None, TypeError), (-1, ValueError), (2**64, ValueError)])
def test_bad_counts_raise_before_the_library(client, monkeypatch, job_name,
                                             bad_n, error):
    job = client.job(job_name)
    calls = []
    monkeypatch.setattr(pt._job, "_add_success", lambda *a: calls.append(a))
    monkeypatch.setattr(pt._job, "_add_failure", lambda *a: calls.append(a))
    with pytest.raises(error):
        job.add_success(bad_n)
    with pytest.raises(error):
        job.add_failure(bad_n)
    with pytest.raises(error):
        client.start_job(job_name, expected_total=bad_n)
    assert calls == []
    job.add_success(2**64 - 1)  # the largest count is taken
    assert len(calls) == 1


@pytest.mark.parametrize("bad_timeout, error", [
    ("1", TypeError), (None, TypeError), (True, TypeError), (-0.1, ValueError),
    (float("nan"), ValueError), (float("inf"), ValueError)])
def test_bad_timeouts_raise_before_the_library(client, monkeypatch,
                                               bad_timeout, error):
    with pytest.raises(error):
        client.flush(timeout=bad_timeout)
    with pytest.raises(error):
        client.get_counts("x", timeout=bad_timeout)
    if bad_timeout is not None:
        with pytest.raises(error):
            client.close(timeout=bad_timeout)
        assert not client.closed


@pytest.mark.parametrize("kwargs, error", [
    ({"flush_interval": 0}, ValueError), ({"shutdown_timeout": -1}, ValueError),
    ({"flush_interval": "1"}, TypeError), ({"client_id": "bad id"}, ValueError),
    ({"target": ""}, ValueError), ({"target": 5}, TypeError),
    ({"tls": "yes"}, TypeError), ({"tls_ca_file": 3}, TypeError)])
def test_bad_client_options_raise_before_the_library(monkeypatch, kwargs,
                                                     error):
    monkeypatch.setattr(pt._client, "_load", lambda: pytest.fail("loaded"))
    with pytest.raises(error):
        pt.Client(**kwargs)


def test_explicit_client_left_open_delivers_at_interpreter_exit(daemon,
                                                                job_name):
    result = run_python(
        "import sys, progress_tracker as pt\n"
        "client = pt.Client(sys.argv[1])\n"
        "client.job(sys.argv[2]).add_failure(17)\n", [daemon.address, job_name])
    assert result.returncode == 0, result.stderr
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).failure == 17


DEFAULT_CLIENT_SCRIPT = """
import sys, progress_tracker as pt
client = pt.default_client()
assert client is pt.default_client() and isinstance(client, pt.Client)
assert client.target == sys.argv[1], client.target
for refused in (client.close, client.__enter__):
    try:
        refused()
        sys.exit("not refused")
    except RuntimeError as error:
        assert "default progress client" in str(error)
assert not client.closed
client.job(sys.argv[2]).add_success(21)
if sys.argv[3] == "flush":
    client.flush()
"""


@pytest.mark.parametrize("ending", ["flush", "exit"])
def test_default_client_uses_the_address_variable(daemon, job_name, ending):
    result = run_python(DEFAULT_CLIENT_SCRIPT,
                        [daemon.address, job_name, ending],
                        PROGRESS_TRACKER_ADDRESS=daemon.address)
    assert result.returncode == 0, result.stderr
    with pt.Client(daemon.address) as reader:
        assert reader.get_counts(job_name).success == 21


def test_default_client_in_this_process(daemon, job_name):
    client = pt.default_client()
    assert client.target == daemon.address
    client.job(job_name).add_success(2)
    client.flush()
    assert client.get_counts(job_name).success == 2
    assert ctypes.sizeof(_library.ProgressJobInfo) >= 80


def _raise_not_found(name: str) -> None:
    raise pt.NotFoundError(5, f"no job named '{name}'")


def test_every_error_survives_pickling_and_a_pool_round_trip():
    import multiprocessing
    import pickle
    from progress_tracker import _errors
    for code, cls in _errors._CLASSES.items():
        error = cls(code, "why")
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), back.code, back.message, str(back)) == (
            cls, code, "why", str(error))
    missing = pt.LibraryNotFoundError("looked everywhere")
    back = pickle.loads(pickle.dumps(missing))
    assert type(back) is pt.LibraryNotFoundError
    assert str(back) == "looked everywhere"
    # A worker's error reaches the driver as itself, not as a Pool that
    # never answers.
    with multiprocessing.get_context("fork").Pool(1) as pool:
        with pytest.raises(pt.NotFoundError, match="no job named 'x'"):
            pool.apply_async(_raise_not_found, ("x",)).get(timeout=30)


def test_huge_timeouts_mean_wait_long_not_overflow(client, job_name):
    client.job(job_name).add_success()
    client.flush(timeout=1e306)
    client.flush(timeout=10**400 // 10**390)
    with pytest.raises(ValueError):
        client.flush(timeout=10**400)
