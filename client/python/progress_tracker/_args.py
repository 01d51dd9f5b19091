"""Argument checks done in Python, before anything reaches the C library.

A bad argument is a bug in the caller, so it raises the built-in error Python
code expects (TypeError for a wrong type, ValueError for a wrong value), with
the same wording as the library's own checks, rather than a status code.
"""

from __future__ import annotations

import math
import operator
import os
import re
from typing import Any, Optional

MAX_U64 = 2**64 - 1
MAX_NAME_BYTES = 128  # the client's limit; the daemon's is a flag
NAME_CHARSET = "A-Z a-z 0-9 and . _ : -"
# The library's timeouts are int64 milliseconds; far beyond any real wait.
_MAX_TIMEOUT_MS = 2**62

_NAME = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def name(value: Any, what: str = "job name") -> bytes:
    """`value` as the bytes the library takes, if it is 1-128 bytes of
    A-Z a-z 0-9 . _ : - (job names and client ids)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if _NAME.fullmatch(value):
        return value.encode("ascii")
    raise ValueError(_name_problem(what, value))


def _name_problem(what: str, value: str) -> str:
    raw = value.encode("utf-8", "surrogatepass")
    if not raw:
        return f"{what} is empty"
    if len(raw) > MAX_NAME_BYTES:
        return (f"{what} is {len(raw)} bytes, longer than the limit of "
                f"{MAX_NAME_BYTES}")
    for offset, byte in enumerate(raw):
        if not _NAME.fullmatch(chr(byte)):
            return (f"{what} {value!r} has byte 0x{byte:02x} at offset "
                    f"{offset}; allowed: {NAME_CHARSET}")
    return f"{what} {value!r} is not valid"  # unreachable


def count(value: Any, what: str = "n") -> int:
    """`value` as a uint64: an int, or an integer type with __index__ (such as
    numpy.int64); bool is refused, as a count of True is a bug."""
    if type(value) is not int:
        if isinstance(value, bool):
            raise TypeError(f"{what} must be an int, not bool")
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(
                f"{what} must be an int, not {type(value).__name__}") from None
    if 0 <= value <= MAX_U64:
        return value
    raise ValueError(f"{what} must be in [0, 2**64 - 1], not {value}")


def seconds(value: Any, what: str = "timeout", *,
            positive: bool = False) -> float:
    """`value` as a finite, non-negative number of seconds (> 0 if
    `positive`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds (int or float), "
                        f"not {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond any float
        value = math.inf
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{what} must be a finite number of seconds {bound}, "
                         f"not {value}")
    return value


def millis(value: Any, what: str = "timeout", *,
           positive: bool = False) -> int:
    """Seconds (see `seconds`) as the library's int64 milliseconds, rounded
    up so a short positive wait never becomes no wait at all."""
    millis_wanted = seconds(value, what, positive=positive) * 1000
    if millis_wanted >= _MAX_TIMEOUT_MS:  # also what overflows to inf
        return _MAX_TIMEOUT_MS
    return math.ceil(millis_wanted)


def optional_path(value: Any, what: str) -> Optional[bytes]:
    """A file path option (str or os.PathLike) as bytes; None stays None (the
    library then reads the option's environment variable)."""
    if value is None:
        return None
    try:
        path = os.fsencode(value)
    except TypeError:
        raise TypeError(f"{what} must be a str or os.PathLike, "
                        f"not {type(value).__name__}") from None
    if not path or b"\0" in path:
        raise ValueError(f"{what} must be a non-empty path without NUL bytes")
    return path


def optional_text(value: Any, what: str) -> Optional[bytes]:
    """A string option (a target, a server name) as UTF-8 bytes; None stays
    None (the library's default or environment variable applies)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value or "\0" in value:
        raise ValueError(f"{what} must be a non-empty str without NUL")
    return value.encode("utf-8")
