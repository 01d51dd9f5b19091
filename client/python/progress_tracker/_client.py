"""Client: a connection to progressd, and what happens to it at exit.

Lifetimes. A Job's add is a raw call on a C handle that lives as long as its
C client, so the C client must never be freed while any Job of it may still
add. Hence: a Job holds a strong reference to its Client, and
progress_client_destroy runs only from a weakref.finalize, i.e. once the
Client and every Job of it are unreachable (the Client's cache of Jobs makes
a cycle, so that is when the garbage collector finds them). At interpreter
exit clients are only shut down (a final flush), never destroyed: daemon
threads may still be adding, and an add after shutdown is merely counted
locally. Not supported: a __del__ that stores a Job away (resurrects it)
after its client was collected.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import os
import threading
import weakref
from typing import Any, Dict, List, Optional, Tuple, Type, Union

from . import _args, _job, _library
from ._counts import JobCounts
from ._job import Job
from ._library import ProgressClientOptions, ProgressJobInfo


def _load() -> _library.Library:
    lib = _library.load()
    _job.bind(lib)
    return lib


# The garbage collector calls weakref callbacks (our finalizer) before the
# __del__ methods of the same pass, and such a __del__ may still add to a
# Job of the client being collected. So a client found by the collector is
# destroyed only once the pass is over.
_collecting = False
_destroy_after_collection: List[Tuple[_library.Library, int]] = []


def _destroy_when_safe(lib: _library.Library, handle: int) -> None:
    if _collecting:
        _destroy_after_collection.append((lib, handle))
    else:
        lib.progress_client_destroy(handle)


def _on_gc(phase: str, _info: Dict[str, int]) -> None:
    global _collecting
    _collecting = phase == "start"
    if _collecting or not _destroy_after_collection:
        return
    # A destroy does the client's final flush, which may wait for the daemon
    # up to its shutdown timeout; the collector runs in whatever thread
    # happened to allocate (a worker's hot loop), so it must not wait there.
    handles = list(_destroy_after_collection)
    _destroy_after_collection.clear()
    threading.Thread(target=_destroy_all, args=(handles,), daemon=True,
                     name="progress-client-destroy").start()


def _destroy_all(handles: List[Tuple[_library.Library, int]]) -> None:
    for lib, handle in handles:
        lib.progress_client_destroy(handle)


gc.callbacks.append(_on_gc)

# Clients that may need a final flush at exit; see shutdown_open_clients.
_live_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()
_live_lock = threading.Lock()


class Client:
    """A connection to progressd with one background flusher thread.

    Args:
        target: "host:port" of progressd; None: $PROGRESS_TRACKER_ADDRESS,
            else 127.0.0.1:50051.
        client_id: this client's id (1-128 of A-Z a-z 0-9 . _ : -); None: a
            random one, the usual choice.
        flush_interval: seconds between sends of changed counts (> 0).
        shutdown_timeout: seconds the final flush (close, exit, garbage
            collection) may take (> 0).
        tls: True turns TLS on (gRPC's default roots unless tls_ca_file);
            None or False leave it to $PROGRESS_TRACKER_TLS and the file
            options (the library has no "force plaintext" option).
        tls_ca_file, tls_cert_file, tls_key_file, tls_server_name: as
            progress_client_options in client.h; None falls back to the
            matching PROGRESS_TRACKER_TLS_* variable.

    Connecting is lazy: a missing daemon is not an error here. Raises
    InvalidArgumentError for TLS files that cannot be read.

    Use it as a context manager, or call close(), for a final flush whose
    failure you see. A client neither closed nor reachable any more is shut
    down and freed by the garbage collector; one still open at interpreter
    exit is shut down then. Thread-safe.
    """

    def __init__(self, target: Optional[str] = None,
                 client_id: Optional[str] = None,
                 flush_interval: float = 0.1,
                 shutdown_timeout: float = 2.0, *,
                 tls: Optional[bool] = None,
                 tls_ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
                 tls_cert_file: Optional[Union[str, "os.PathLike[str]"]] = None,
                 tls_key_file: Optional[Union[str, "os.PathLike[str]"]] = None,
                 tls_server_name: Optional[str] = None) -> None:
        if tls is not None and not isinstance(tls, bool):
            raise TypeError(f"tls must be a bool, not {type(tls).__name__}")
        # Checked and kept alive (the library copies them) until create.
        options = ProgressClientOptions(
            target=_args.optional_text(target, "target"),
            client_id=(None if client_id is None
                       else _args.name(client_id, "client id")),
            flush_interval_ms=_args.millis(flush_interval, "flush_interval",
                                           positive=True),
            shutdown_timeout_ms=_args.millis(
                shutdown_timeout, "shutdown_timeout", positive=True),
            tls_ca_file=_args.optional_path(tls_ca_file, "tls_ca_file"),
            tls_cert_file=_args.optional_path(tls_cert_file, "tls_cert_file"),
            tls_key_file=_args.optional_path(tls_key_file, "tls_key_file"),
            tls_server_name=_args.optional_text(tls_server_name,
                                                "tls_server_name"),
            tls=1 if tls else 0)
        lib = _load()
        handle = ctypes.c_void_p()
        lib.check(lib.progress_client_create(ctypes.byref(options),
                                             ctypes.byref(handle)))
        self._init(handle.value, float(shutdown_timeout))
        # Frees the C client once this object and all its Jobs are gone;
        # never at exit (see shutdown_open_clients).
        weakref.finalize(self, _destroy_when_safe, lib,
                         handle.value).atexit = False
        with _live_lock:
            _live_clients.add(self)

    def _init(self, handle: int, shutdown_timeout: float) -> None:
        self._handle = handle
        self._shutdown_timeout = shutdown_timeout
        self._pid = os.getpid()  # a Client made before fork() is inherited
        self._jobs: Dict[str, Job] = {}
        self._closed = False

    @property
    def id(self) -> str:
        """This client's id (sent with its counts)."""
        return _load().progress_client_id(self._handle).decode()

    @property
    def target(self) -> str:
        """The daemon's address, "host:port"."""
        return _load().progress_client_target(self._handle).decode()

    @property
    def closed(self) -> bool:
        """True once close() (or the exit-time shutdown) ran."""
        return self._closed

    def job(self, name: str) -> Job:
        """The Job `name` on this client, made on first use and cached.

        Raises ValueError unless `name` is 1-128 bytes of A-Z a-z 0-9 . _ : -
        (TypeError unless a str), FailedPreconditionError for a client
        inherited across fork() on first use of a name.
        """
        job = self._jobs.get(name) if isinstance(name, str) else None
        if job is not None:
            return job
        raw = _args.name(name)
        lib = _load()
        # No Python lock around the C call: the library gives one handle per
        # name however often it is asked, and a lock held here by another
        # thread at fork() would stay held in the child for good.
        handle = ctypes.c_void_p()
        lib.check(lib.progress_client_job(self._handle, raw,
                                          ctypes.byref(handle)))
        return self._jobs.setdefault(name, Job(self, name, handle.value))

    def flush(self, timeout: float = 5.0) -> None:
        """Returns once the daemon has confirmed every count this thread added
        before the call.

        Raises DeadlineExceededError if that did not happen within `timeout`
        seconds (counting goes on; a later flush delivers), the daemon's code
        for a job it refused for good (once), FailedPreconditionError after
        close() or for a client inherited across fork().
        """
        ms = _args.millis(timeout)
        lib = _load()
        lib.check(lib.progress_client_flush(self._handle, ms))

    def start_job(self, name: str, expected_total: int = 0,
                  timeout: float = 5.0) -> None:
        """Starts (or restarts the clock of) job `name` on the daemon, with
        `expected_total` records (0: unknown). Raises the daemon's error."""
        raw = _args.name(name)
        total = _args.count(expected_total, "expected_total")
        ms = _args.millis(timeout)
        lib = _load()
        lib.check(lib.progress_client_start_job(self._handle, raw, total, ms))

    def finish_job(self, name: str, timeout: float = 5.0) -> None:
        """Marks job `name` done on the daemon. NotFoundError for an unknown
        job."""
        raw = _args.name(name)
        ms = _args.millis(timeout)
        lib = _load()
        lib.check(lib.progress_client_finish_job(self._handle, raw, ms))

    def get_counts(self, name: str, timeout: float = 5.0) -> JobCounts:
        """Job `name` as the daemon sums it over all clients. NotFoundError
        for an unknown job, UnavailableError or DeadlineExceededError when the
        daemon cannot be reached in time."""
        return JobCounts.from_info(name, self._get_counts_info(name, timeout))

    def _get_counts_info(self, name: str,
                         timeout: float = 5.0) -> ProgressJobInfo:
        """get_counts, as the library's raw struct (exact nanosecond times),
        for code that passes it back to the library (e.g. its formatters)."""
        raw = _args.name(name)
        ms = _args.millis(timeout)
        info = ProgressJobInfo()
        lib = _load()
        lib.check(lib.progress_client_get_counts(self._handle, raw, ms,
                                                 ctypes.byref(info)))
        return info

    def close(self, timeout: Optional[float] = None) -> None:
        """The final flush, then stops the flusher: keeps trying until
        `timeout` seconds (None: shutdown_timeout) have passed.

        Raises the last error's class if counts were not confirmed (the
        message says how many may be lost). Idempotent: a later call raises
        what the first raised. Later adds are counted locally, never sent.
        """
        ms = _args.millis(self._shutdown_timeout if timeout is None
                          else timeout)
        self._closed = True
        lib = _load()
        lib.check(lib.progress_client_shutdown(self._handle, ms))

    def _close_quietly(self) -> None:
        """close(), for exit paths: the library itself logs what was lost."""
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing to report it to
            pass

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]],
                 exc: Optional[BaseException], traceback: Any) -> None:
        """close(), unless already closed; if the block raised, a failed
        final flush does not hide that error (the library logs it on stderr
        instead)."""
        if self._closed:
            return
        if exc_type is None:
            self.close()
        else:
            self._close_quietly()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return (f"<progress_tracker.{type(self).__name__} id={self.id!r} "
                f"target={self.target!r}{state}>")


def shutdown_open_clients() -> None:
    """Shuts down (final flush, never frees) every open Client this process
    made, one after another, each bounded by its shutdown_timeout. Clients
    inherited across fork() are left alone: their calls fail in the child."""
    pid = os.getpid()
    with _live_lock:
        clients = [client for client in _live_clients
                   if client._pid == pid and not client._closed]
    for client in clients:
        client._close_quietly()


# At normal exit the C library flushes the default client itself (exit()),
# so only explicit clients need it here.
atexit.register(shutdown_open_clients)
