"""Final flush for multiprocessing children.

The C library handles fork() itself: in a child the default client is
renewed and explicit clients made before the fork are "inherited" (their
calls fail with FAILED_PRECONDITION). What it cannot do is flush a child that
ends with os._exit(), which skips exit-time handlers: multiprocessing's
children (fork start method) end that way, and so would lose whatever they
added in their last flush interval.

multiprocessing does run its own exit finalizers in a child that returns
normally (Process._bootstrap calls util._exit_function before os._exit), so
each child gets a multiprocessing.util.Finalize that shuts down the default
client and the Clients the child made. It has to be registered in the child:
_bootstrap clears the finalizer registry after the fork and only then runs
the register_after_fork hooks, so the hook registers it (a finalizer made
with os.register_at_fork would be cleared).

Not covered, and said in the docs: a child killed by a signal
(Pool.terminate(), which ``with Pool()`` calls on exit, SIGKILL) loses what
it had not yet flushed, so such workers should flush at the end of each task
or batch; and counts added by threads that outlive the child's run() (they
are joined after the finalizers) are lost unless flushed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import sys
import threading

from . import _client, _default, _library

# After multiprocessing's own exit finalizers (they run highest priority
# first, and user code may still count in them).
_EXIT_PRIORITY = -100

_registered_in_pid = 0


class _Hook:
    """A weakly referenceable owner for register_after_fork, which keeps its
    hooks in a WeakValueDictionary: this module holds the one instance."""


_HOOK = _Hook()


def _counted(client: _client.Client) -> int:
    return sum(sum(job.local_counts()) for job in list(client._jobs.values()))


def note_inherited_counts() -> None:
    """In a forked child, right after fork(): what the Clients inherited
    from the parent had counted, so report_inherited_counts() can tell what
    the child itself added on them."""
    pid = os.getpid()
    for client in list(_client._live_clients):
        if client._pid != pid and not client._closed:
            client._counted_at_fork = _counted(client)


def report_inherited_counts() -> None:
    """Says on stderr what this process counted on Clients made before
    fork() in the parent: the library never sends those adds, and nothing
    else would tell."""
    pid = os.getpid()
    with _client._live_lock:
        inherited = [client for client in _client._live_clients
                     if client._pid != pid and not client._closed]
    for client in inherited:
        counted = _counted(client) - getattr(client, "_counted_at_fork", 0)
        if counted > 0:
            sys.stderr.write(
                f"progress_tracker (pid {pid}): {counted} records counted on "
                f"a Client made before fork() in pid {client._pid} were never "
                "sent; use default_client() in forked workers, or make the "
                "Client in the worker\n")


def _flush_at_child_exit() -> None:
    """Shuts down the Clients made in this child, then the default client,
    each bounded by its shutdown timeout, and says on stderr what was counted
    on Clients inherited from the parent (never sent). Never raises."""
    _client.shutdown_open_clients()
    report_inherited_counts()
    try:
        _default.final_flush_if_made()
    except Exception:  # noqa: BLE001 - the process is ending
        pass


def _register_exit_flush() -> None:
    """Registers the exit finalizer in this process, once."""
    global _registered_in_pid
    if _registered_in_pid == os.getpid():
        return
    _registered_in_pid = os.getpid()
    multiprocessing.util.Finalize(None, _flush_at_child_exit,
                                  exitpriority=_EXIT_PRIORITY)


def _after_fork_in_child(_hook: _Hook) -> None:
    _register_exit_flush()


def _fresh_locks_in_child() -> None:
    """A lock another thread held at fork() stays held in the child, where
    that thread does not exist: the package's process-wide locks are made
    anew (what they guard is left whole by the C library's own fork
    handling, or is re-checked under the new lock)."""
    _client._live_lock = threading.Lock()
    _default._default_lock = threading.Lock()
    _library._load_lock = threading.Lock()
    note_inherited_counts()


def install() -> None:
    """Arranges the exit flush for every multiprocessing child of this
    process, and for this process if it is one (the package was first
    imported inside the child's task)."""
    os.register_at_fork(after_in_child=_fresh_locks_in_child)
    multiprocessing.util.register_after_fork(_HOOK, _after_fork_in_child)
    if multiprocessing.parent_process() is not None:
        _register_exit_flush()
