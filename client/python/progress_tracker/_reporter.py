"""ProgressReporter: the driver's view of a job, logged as it runs.

The seed's class made real: a background thread reads the job's counts from
progressd every `interval` seconds and logs progress-reporter's line through
`logging`, then the Final block once the job is done (or its total reached)
or the reporter stops. The text comes from the client library, so it is
exactly what the C++ progress-reporter prints.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType
from typing import Optional, Type, Union

from . import _args, _format
from ._client import Client
from ._counts import JobCounts
from ._default import default_client
from ._errors import (DeadlineExceededError, NotFoundError, ProgressError,
                      UnavailableError)
from ._library import ProgressJobInfo

# How long the last look at stop() may take: the summary should hold what
# the job reached, but stopping must not hang on a daemon that is gone.
_FINAL_POLL_TIMEOUT = 2.0
# A poll's deadline: the interval, at least a second (as progress-reporter
# allows), but bounded, so stop() never waits long on a daemon that hangs.
_MAX_POLL_TIMEOUT = 10.0


class ProgressReporter:
    """Logs job `job`'s progress every `interval` seconds from a thread.

    ::

        with ProgressReporter("nightly-etl", total=100_000, interval=0.5):
            run_the_pipeline()

    logs, through the logger `logger` (a name or a Logger) at `level`::

        Progress: 49,800/100,000 (49.8%) | success: 49,800 | failure: 0 | 3,658 rec/s | 13.6s elapsed, ETA 13.7s

    and, when the job is done or its total reached, or at the latest when the
    reporter stops, the Final block (one record of four lines)::

        --------------------------------------------------
        Final: 100,000 total | 100,000 success | 0 failure
        Time: 14.0s | Rate: 7,148 rec/s
        --------------------------------------------------

    `total` (if given) replaces the job's expected total, as
    progress-reporter's --total does. `client` is the Client to read with
    (default: default_client()). A job not started yet is waited for, and a
    daemon that cannot be reached is said once per outage and polled on:
    the reporter never raises into the thread that runs the job.
    """

    def __init__(self, job: str, total: Optional[int] = None,
                 interval: float = 0.5, *, client: Optional[Client] = None,
                 logger: Union[str, logging.Logger] = "progress_tracker",
                 level: int = logging.INFO) -> None:
        _args.name(job)
        self._job = job
        self._total = 0 if total is None else _args.count(total, "total")
        # Capped where threading's waits stop accepting it.
        self._interval = min(_args.seconds(interval, "interval", positive=True),
                             threading.TIMEOUT_MAX)
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError("level must be a logging level (an int such as "
                            f"logging.INFO), not {type(level).__name__}")
        self._client = client
        self._log = (logger if isinstance(logger, logging.Logger) else
                     logging.getLogger(logger))
        self._level = level
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._last: Optional[ProgressJobInfo] = None
        self._summarized = False
        self._complete = threading.Event()
        self._done_waiting = threading.Event()  # complete, or stopped
        self._state = "starting"

    @property
    def job(self) -> str:
        """The job this reporter follows."""
        return self._job

    @property
    def last_counts(self) -> Optional[JobCounts]:
        """The job's counts at the last successful poll, or None."""
        with self._lock:
            last = self._last
        return None if last is None else JobCounts.from_info(self._job, last)

    def start(self) -> "ProgressReporter":
        """Starts the polling thread (once)."""
        if self._thread is not None:
            raise RuntimeError("this ProgressReporter was already started")
        if self._client is None:
            self._client = default_client()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"progress-reporter:{self._job}")
        self._thread.start()
        return self

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the job is done or its total reached, the reporter
        stops, or `timeout` seconds have passed; True when the job is done
        or its total reached."""
        self._done_waiting.wait(timeout)
        return self._complete.is_set()

    def stop(self) -> None:
        """Stops polling and, unless the job's end was already logged, takes
        one last look and logs the line and the Final block. Takes at most
        the deadline of a poll under way (the interval, between 1 and 10 s)
        plus 2 s for the last one."""
        self._stop.set()
        self._done_waiting.set()
        if self._thread is None:
            return  # Never started: nothing was followed.
        self._thread.join()
        if not self._claim_summary():
            return
        try:
            self._poll(_FINAL_POLL_TIMEOUT)
            self._log_summary()
        except Exception:  # noqa: BLE001 - never raise into the job
            self._log.exception("progress reporter for job '%s' could not "
                                "log its summary", self._job)

    def __enter__(self) -> "ProgressReporter":
        return self.start()

    def __exit__(self, exc_type: Optional[Type[BaseException]],
                 exc: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            self._poll_until_complete()
        except Exception:  # noqa: BLE001 - never lose the thread silently
            self._log.exception("progress reporter for job '%s' stopped",
                                self._job)

    def _poll_until_complete(self) -> None:
        call_timeout = min(max(self._interval, 1.0), _MAX_POLL_TIMEOUT)
        while not self._stop.is_set():
            started = time.monotonic()
            if self._poll(call_timeout) and self._complete.is_set():
                if self._claim_summary():
                    self._log_summary()
                self._done_waiting.set()
                return
            self._stop.wait(max(0.0, self._interval -
                                (time.monotonic() - started)))

    def _claim_summary(self) -> bool:
        """True for the one caller (the thread at completion, or stop())
        that is to log the Final block."""
        with self._lock:
            claimed, self._summarized = not self._summarized, True
        return claimed

    def _log_summary(self) -> None:
        """The Final block from the last counts read, or a warning that none
        ever were."""
        with self._lock:
            last = self._last
        if last is None:
            self._log.warning("no counts of job '%s' were read from progressd",
                              self._job)
            return
        self._log.log(self._level, "%s",
                      _format.summary(last, self._total, time.time_ns()))

    def _poll(self, timeout: float) -> bool:
        """Reads and logs the job once; True when the daemon answered."""
        assert self._client is not None
        try:
            info = self._client._get_counts_info(self._job, timeout)
        except NotFoundError:
            self._say("waiting", logging.INFO,
                      f"waiting for job '{self._job}' to appear")
            return False
        except ProgressError as error:
            if "interrupted by fork()" in error.message:
                # This process forked (a worker pool starting): not news of
                # the daemon; the next poll asks again.
                return False
            if isinstance(error, (UnavailableError, DeadlineExceededError)):
                self._say("unreachable", logging.WARNING,
                          f"cannot reach progressd at {self._client.target} "
                          f"({error.code_name}: {error.message}); "
                          "still polling")
            else:
                self._say(f"error {error.code_name}", logging.WARNING,
                          f"progressd at {self._client.target} answered with "
                          f"an error: {error.code_name}: {error.message}; "
                          "still polling")
            return False
        if self._state == "unreachable" or self._state.startswith("error"):
            self._log.info("reached progressd at %s", self._client.target)
        self._state = "answered"
        with self._lock:
            self._last = info
        self._log.log(self._level, "%s",
                      _format.progress_line(info, self._total, time.time_ns()))
        total = self._total or info.expected_total
        if info.done or (total > 0 and info.success + info.failure >= total):
            self._complete.set()
        return True

    def _say(self, state: str, level: int, message: str) -> None:
        """Logs `message` when the reporter enters `state`, not again while
        it stays there."""
        if self._state != state:
            self._state = state
            self._log.log(level, "%s", message)
