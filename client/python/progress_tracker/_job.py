"""Job: one job's counters on one Client, and the hot path that adds to them."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any

from . import _args, _library
from ._counts import LocalCounts

if TYPE_CHECKING:
    from ._client import Client

_MAX_U64 = _args.MAX_U64
# The hot path's two functions, set by bind() when the library loads: no Job
# can exist before that. Module globals are the cheapest lookup there is.
_add_success: Any = None
_add_failure: Any = None


def bind(lib: _library.Library) -> None:
    """Points the hot path at the loaded library."""
    global _add_success, _add_failure
    _add_success = lib.progress_job_add_success
    _add_failure = lib.progress_job_add_failure


class Job:
    """One job's counters on one Client. Get it with ``client.job(name)``,
    once, and keep it.

    Adding is thread-safe and never blocks: it is one relaxed atomic add in
    the library (well under a microsecond from Python, the GIL held
    throughout). Counts reach the daemon on the client's next flush interval.
    """

    __slots__ = ("_client", "_name", "_handle", "__weakref__")

    def __init__(self, client: "Client", name: str, handle: int) -> None:
        self._client = client  # keeps the C handle alive (see _client)
        self._name = name
        # A c_void_p, not an int: ctypes passes it without converting.
        self._handle = ctypes.c_void_p(handle)

    @property
    def name(self) -> str:
        """The job's name."""
        return self._name

    @property
    def client(self) -> "Client":
        """The Client this job counts on."""
        return self._client

    def add_success(self, n: int = 1) -> None:
        """Counts `n` (default 1) successful records.

        Raises TypeError unless `n` is an int (bool refused; integer types
        with __index__, such as numpy.int64, are taken), ValueError unless
        0 <= n < 2**64.
        """
        if n.__class__ is int and 0 <= n <= _MAX_U64:  # the fast path
            _add_success(self._handle, n)
        else:
            _add_success(self._handle, _args.count(n))

    def add_failure(self, n: int = 1) -> None:
        """Counts `n` (default 1) failed records; see add_success."""
        if n.__class__ is int and 0 <= n <= _MAX_U64:
            _add_failure(self._handle, n)
        else:
            _add_failure(self._handle, _args.count(n))

    def local_counts(self) -> LocalCounts:
        """What this client has counted for the job so far (not what the
        daemon has confirmed): ``(success, failure)``."""
        success, failure = ctypes.c_uint64(), ctypes.c_uint64()
        _library.load().progress_job_local_counts(
            self._handle, ctypes.byref(success), ctypes.byref(failure))
        return LocalCounts(success.value, failure.value)

    def __repr__(self) -> str:
        return f"<progress_tracker.Job {self._name!r} of {self._client!r}>"
