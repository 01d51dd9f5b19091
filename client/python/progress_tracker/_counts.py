"""Plain values the binding returns: a job's counts on the daemon, and what a
client has counted locally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Optional

from ._library import ProgressJobInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class LocalCounts(NamedTuple):
    """What one client has counted for a job so far (not what was sent)."""

    success: int
    failure: int


def _utc(unix_ns: int) -> Optional[datetime]:
    """Unix nanoseconds as an aware UTC datetime (to the microsecond, as far
    as datetime goes); None for 0, the library's "not set"."""
    if unix_ns == 0:
        return None
    # Integer arithmetic: a float timestamp would round away microseconds.
    return _EPOCH + timedelta(microseconds=unix_ns // 1000)


@dataclass(frozen=True)
class JobCounts:
    """A job as the daemon sums it over all clients (GetCounts).

    Attributes:
        name: the job's name.
        success, failure: the daemon's counters.
        expected_total: the total given to start_job; 0 when unknown.
        created_time, first_update_time, last_update_time, finish_time:
            timezone-aware UTC datetimes, or None when not yet set.
        average_rate: records/s since the first update.
        recent_rate: records/s over the daemon's rate window (--rate_window).
        clients: how many clients have reported to the job.
        done: True once finish_job was called.
    """

    name: str
    success: int
    failure: int
    expected_total: int
    created_time: Optional[datetime]
    first_update_time: Optional[datetime]
    last_update_time: Optional[datetime]
    finish_time: Optional[datetime]
    average_rate: float
    recent_rate: float
    clients: int
    done: bool

    @property
    def processed(self) -> int:
        """success + failure."""
        return self.success + self.failure

    @classmethod
    def from_info(cls, name: str, info: ProgressJobInfo) -> "JobCounts":
        """Converts the library's struct (nanosecond times, 0 = unset)."""
        return cls(
            name=name,
            success=int(info.success),
            failure=int(info.failure),
            expected_total=int(info.expected_total),
            created_time=_utc(info.created_time_ns),
            first_update_time=_utc(info.first_update_time_ns),
            last_update_time=_utc(info.last_update_time_ns),
            finish_time=_utc(info.finish_time_ns),
            average_rate=float(info.average_rate),
            recent_rate=float(info.recent_rate),
            clients=int(info.clients),
            done=bool(info.done),
        )
