"""The process-wide default client."""

from __future__ import annotations

import threading
from typing import Optional

from ._client import Client, _load


class _DefaultClient(Client):
    """The process-wide client (see default_client()); never closed or freed
    by Python."""

    def __init__(self) -> None:  # pylint: disable=super-init-not-called
        lib = _load()
        # The library's default shutdown timeout for it is 2 s.
        self._init(lib.progress_default_client(), 2.0)

    def close(self, timeout: Optional[float] = None) -> None:
        """Refused with RuntimeError: the default client is shared by all
        code in the process, and flushes itself at exit. Use flush()."""
        raise RuntimeError(
            "the default progress client cannot be closed: it is shared by "
            "the whole process and does its final flush at exit; call "
            "flush(timeout) to make sure counts are delivered")

    def __enter__(self) -> "Client":
        raise RuntimeError(
            "the default progress client is not a context manager: it is "
            "never closed; use it directly and flush() where needed")

    def _final_flush(self) -> None:
        """The exit-time flush, for a process that will skip the library's
        own (a multiprocessing child ends with os._exit()). The library
        returns at once, without connecting, when there is nothing to send
        (this process counted nothing)."""
        self._closed = True
        lib = _load()
        lib.progress_client_shutdown(self._handle,
                                     int(self._shutdown_timeout * 1000))


_default: Optional[_DefaultClient] = None
_default_lock = threading.Lock()


def default_client() -> Client:
    """The process-wide client, made on first use from
    $PROGRESS_TRACKER_ADDRESS and the PROGRESS_TRACKER_TLS* variables.

    For worker code that runs many tasks in one long-lived process. It is a
    singleton that is never closed or freed: close() and ``with`` raise
    RuntimeError. It does a final flush at normal interpreter exit. In a
    child forked from this process (os.fork, multiprocessing) it is renewed
    by the library: a fresh id, the same Job objects, counting the child's
    records from zero. A multiprocessing child that returns normally
    flushes it at its end too (see progress_tracker._fork); one killed by a
    signal loses what was not yet sent unless it flushed.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = _DefaultClient()
    return _default


def final_flush_if_made() -> None:
    """The default client's exit-time flush, if this process has it (made
    here or inherited through fork)."""
    if _default is not None:
        _default._final_flush()
