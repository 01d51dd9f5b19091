"""progress-reporter's text, made by the client library itself.

The C++ reporter and this package print the same lines because the same code
(the library's progress_format_* functions) makes both; tests hold both to
one table of cases (tests/format_vectors).
"""

from __future__ import annotations

import ctypes
from typing import Any

from . import _library
from ._library import ProgressJobInfo


def _format(function: Any, info: ProgressJobInfo, total: int,
            now_ns: int) -> str:
    # Measure, then fill: the snprintf contract of the C functions.
    needed = function(ctypes.byref(info), total, now_ns, None, 0)
    if needed < 0:
        raise ValueError("the library refused to format these counts")
    buffer = ctypes.create_string_buffer(needed + 1)
    function(ctypes.byref(info), total, now_ns, buffer, needed + 1)
    return buffer.value.decode("utf-8")


def progress_line(info: ProgressJobInfo, total: int, now_ns: int) -> str:
    """"Progress: 49,800/100,000 (49.8%) | success: ... | ETA 13.7s" for
    `info` at `now_ns` (Unix nanoseconds); `total` (if non-zero) replaces the
    job's expected total."""
    lib = _library.load()
    return _format(lib.progress_format_progress_line, info, total, now_ns)


def summary(info: ProgressJobInfo, total: int, now_ns: int) -> str:
    """The closing block: a rule, "Final: ...", "Time: ... | Rate: ...", a
    rule, separated by newlines."""
    lib = _library.load()
    return _format(lib.progress_format_summary, info, total, now_ns)
