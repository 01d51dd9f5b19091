"""progress_tracker: report batch-job progress to progressd from Python.

A thin ctypes binding of libprogress_client.so (the same library C and C++
workers link), so the semantics are the library's: adding is an atomic add
that never blocks, a background thread sends cumulative counts, and the
daemon counts every record exactly once::

    import progress_tracker

    client = progress_tracker.default_client()  # $PROGRESS_TRACKER_ADDRESS
    job = client.job("nightly-etl")             # look up once, keep
    job.add_success(batch_ok)                   # per batch: well under 1 us
    job.add_failure(batch_failed)
    client.flush(timeout=5.0)                   # only where it must be there

The library is found on first use (not at import): beside this package,
else at $PROGRESS_CLIENT_LIBRARY, else by the system loader. When it cannot
be loaded, LibraryNotFoundError says where it looked and how to fix it.

Processes: the default client is renewed in forked children; an explicit
Client made before a fork fails there with FailedPreconditionError (make a new
one). A multiprocessing child that returns normally flushes at its end; one
killed by a signal (Pool.terminate(), which ``with Pool()`` does on exit)
loses what it had not flushed, so such workers should flush per task.
"""

from ._client import Client
from ._counts import JobCounts, LocalCounts
from ._default import default_client
from ._errors import (AbortedError, AlreadyExistsError, CancelledError,
                      DataLossError, DeadlineExceededError,
                      FailedPreconditionError, InternalError,
                      InvalidArgumentError, LibraryNotFoundError,
                      NotFoundError, OutOfRangeError, PermissionDeniedError,
                      ProgressError, ResourceExhaustedError,
                      UnauthenticatedError, UnavailableError,
                      UnimplementedError, UnknownError)
from ._job import Job
from ._reporter import ProgressReporter
from . import _fork, _library

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Job",
    "JobCounts",
    "LocalCounts",
    "default_client",
    "ProgressReporter",
    "set_log_level",
    "ProgressError",
    "CancelledError",
    "UnknownError",
    "InvalidArgumentError",
    "DeadlineExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "AbortedError",
    "OutOfRangeError",
    "UnimplementedError",
    "InternalError",
    "UnavailableError",
    "DataLossError",
    "UnauthenticatedError",
    "LibraryNotFoundError",
    "__version__",
]


def set_log_level(level: str) -> None:
    """Sets the level of the library's own stderr logger: "trace", "debug",
    "info", "warn", "error", "critical" or "off" (initially
    $PROGRESS_TRACKER_LOG_LEVEL, else "info"). InvalidArgumentError for
    another value."""
    if not isinstance(level, str):
        raise TypeError(f"level must be a str, not {type(level).__name__}")
    lib = _library.load()
    lib.check(lib.progress_set_log_level(level.encode("utf-8")))


_fork.install()
