"""Errors raised by the binding: one class per gRPC status code.

The C library returns gRPC's canonical codes and keeps, per thread, the message
of the last failed call. ``error_for`` turns a code and that message into an
instance of the matching subclass, so callers can catch exactly the failures
they can handle (``except progress_tracker.NotFoundError``) or all of them
(``except progress_tracker.ProgressError``).
"""

from __future__ import annotations

from typing import Dict, Type

__all__ = [
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
    "error_for",
]

# gRPC's canonical codes, as enum progress_status_code in client.h. Kept here
# (not asked of the library) so errors can be named even when it cannot load.
CODE_NAMES: Dict[int, str] = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}


class ProgressError(Exception):
    """A call into the progress-tracker client library failed.

    Attributes:
        code: the gRPC canonical status code (an int, e.g. 5).
        code_name: its name (e.g. ``"NOT_FOUND"``).
        message: why, as the library said it (``progress_last_error()``).
    """

    code: int
    code_name: str
    message: str

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.code_name = CODE_NAMES.get(code, f"CODE_{code}")
        self.message = message
        super().__init__(f"{self.code_name}: {message}")

    def __reduce__(self):  # type: ignore[override]
        # Rebuilt from (code, message), not from the formatted text: an
        # error raised in a multiprocessing or Ray worker is pickled back to
        # the driver, and one that cannot be unpickled stalls a Pool for good.
        return (type(self), (self.code, self.message))


class CancelledError(ProgressError):
    """CANCELLED (1): the call was cancelled."""


class UnknownError(ProgressError):
    """UNKNOWN (2): an error with no better code."""


class InvalidArgumentError(ProgressError):
    """INVALID_ARGUMENT (3): the daemon or library refused an argument."""


class DeadlineExceededError(ProgressError):
    """DEADLINE_EXCEEDED (4): not done (e.g. confirmed) within the timeout."""


class NotFoundError(ProgressError):
    """NOT_FOUND (5): the daemon has no such job."""


class AlreadyExistsError(ProgressError):
    """ALREADY_EXISTS (6)."""


class PermissionDeniedError(ProgressError):
    """PERMISSION_DENIED (7)."""


class ResourceExhaustedError(ProgressError):
    """RESOURCE_EXHAUSTED (8): a daemon limit (jobs, clients, message size)."""


class FailedPreconditionError(ProgressError):
    """FAILED_PRECONDITION (9): e.g. a client inherited across fork() or
    already shut down."""


class AbortedError(ProgressError):
    """ABORTED (10)."""


class OutOfRangeError(ProgressError):
    """OUT_OF_RANGE (11): e.g. counts that would overflow on the daemon."""


class UnimplementedError(ProgressError):
    """UNIMPLEMENTED (12): the server does not serve this call."""


class InternalError(ProgressError):
    """INTERNAL (13)."""


class UnavailableError(ProgressError):
    """UNAVAILABLE (14): the daemon cannot be reached (or TLS failed)."""


class DataLossError(ProgressError):
    """DATA_LOSS (15)."""


class UnauthenticatedError(ProgressError):
    """UNAUTHENTICATED (16)."""


class LibraryNotFoundError(ProgressError, ImportError):
    """libprogress_client.so could not be loaded.

    Also an ``ImportError``: the package's native part is missing, as for an
    extension module. Its code is FAILED_PRECONDITION; the message lists each
    place that was tried, why it failed, and how to fix it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(9, message)

    def __reduce__(self):  # type: ignore[override]
        return (type(self), (self.message,))

    def __str__(self) -> str:
        # The code adds nothing for a missing library; the message says it all.
        return self.message


_CLASSES: Dict[int, Type[ProgressError]] = {
    cls_code: cls
    for cls_code, cls in (
        (1, CancelledError),
        (2, UnknownError),
        (3, InvalidArgumentError),
        (4, DeadlineExceededError),
        (5, NotFoundError),
        (6, AlreadyExistsError),
        (7, PermissionDeniedError),
        (8, ResourceExhaustedError),
        (9, FailedPreconditionError),
        (10, AbortedError),
        (11, OutOfRangeError),
        (12, UnimplementedError),
        (13, InternalError),
        (14, UnavailableError),
        (15, DataLossError),
        (16, UnauthenticatedError),
    )
}


def error_for(code: int, message: str) -> ProgressError:
    """The exception for a non-zero status `code`: its subclass, or
    ProgressError itself for a code outside gRPC's set."""
    return _CLASSES.get(code, ProgressError)(code, message)
