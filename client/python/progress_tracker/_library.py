"""Finding and loading libprogress_client.so, and its ctypes prototypes.

The library is loaded on first use, not at import, so ``import
progress_tracker`` works everywhere and a missing library is reported where
it matters, with each place that was tried and how to fix it.

Every function gets argtypes and restype. Two handles to the same library are
kept: the hot-path functions (adds, local counts, names) go through
``ctypes.PyDLL``, which keeps the GIL for the call. They never block, and
keeping the GIL saves the release and re-acquire that ``ctypes.CDLL`` does
around every call. Calls that may block (creating a client, flush, shutdown,
the driver RPCs, taking the job-table lock) go through ``ctypes.CDLL``, which
releases the GIL so other Python threads run meanwhile.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import POINTER, c_char_p, c_double, c_int, c_int64, c_size_t
from ctypes import c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._errors import LibraryNotFoundError, error_for

LIBRARY_ENV = "PROGRESS_CLIENT_LIBRARY"
# The name the system loader knows (the library's soname).
SONAME = "libprogress_client.so.0"


class ProgressClientOptions(ctypes.Structure):
    """struct progress_client_options (client.h); field order matters."""

    _fields_ = [
        ("target", c_char_p),
        ("client_id", c_char_p),
        ("flush_interval_ms", c_int64),
        ("shutdown_timeout_ms", c_int64),
        ("tls_ca_file", c_char_p),
        ("tls_cert_file", c_char_p),
        ("tls_key_file", c_char_p),
        ("tls_server_name", c_char_p),
        ("tls", c_int),
        ("forget_after_ms", c_int64),  # 0: the library's default
    ]


class ProgressJobInfo(ctypes.Structure):
    """struct progress_job_info (client.h): a job as the daemon sums it.
    Times are Unix nanoseconds, 0 when not yet set."""

    _fields_ = [
        ("success", c_uint64),
        ("failure", c_uint64),
        ("expected_total", c_uint64),
        ("created_time_ns", c_int64),
        ("first_update_time_ns", c_int64),
        ("last_update_time_ns", c_int64),
        ("finish_time_ns", c_int64),
        ("average_rate", c_double),
        ("recent_rate", c_double),
        ("clients", c_uint32),
        ("done", c_int),
    ]


_HANDLE_OUT = POINTER(c_void_p)  # progress_client** / progress_job**

# name: (restype, argtypes, keeps_gil). keeps_gil: never blocks, so PyDLL.
_PROTOTYPES: Dict[str, Tuple[Any, Sequence[Any], bool]] = {
    "progress_client_options_init": (
        None, [POINTER(ProgressClientOptions)], True),
    "progress_client_create": (
        c_int, [POINTER(ProgressClientOptions), _HANDLE_OUT], False),
    "progress_client_destroy": (None, [c_void_p], False),
    "progress_default_client": (c_void_p, [], False),
    "progress_client_id": (c_char_p, [c_void_p], True),
    "progress_client_target": (c_char_p, [c_void_p], True),
    "progress_client_job": (c_int, [c_void_p, c_char_p, _HANDLE_OUT], False),
    "progress_job_add_success": (None, [c_void_p, c_uint64], True),
    "progress_job_add_failure": (None, [c_void_p, c_uint64], True),
    "progress_job_local_counts": (
        None, [c_void_p, POINTER(c_uint64), POINTER(c_uint64)], True),
    "progress_client_flush": (c_int, [c_void_p, c_int64], False),
    "progress_client_shutdown": (c_int, [c_void_p, c_int64], False),
    "progress_client_start_job": (
        c_int, [c_void_p, c_char_p, c_uint64, c_int64], False),
    "progress_client_finish_job": (c_int, [c_void_p, c_char_p, c_int64], False),
    "progress_client_get_counts": (
        c_int, [c_void_p, c_char_p, c_int64, POINTER(ProgressJobInfo)], False),
    "progress_format_progress_line": (
        c_int, [POINTER(ProgressJobInfo), c_uint64, c_int64, c_char_p,
                c_size_t], True),
    "progress_format_summary": (
        c_int, [POINTER(ProgressJobInfo), c_uint64, c_int64, c_char_p,
                c_size_t], True),
    "progress_set_log_level": (c_int, [c_char_p], False),
    "progress_last_error": (c_char_p, [], True),
    "progress_status_name": (c_char_p, [c_int], True),
}


class Library:
    """The loaded library: each C function of client.h as an attribute of
    the same name, with its prototype set."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.cdll = ctypes.CDLL(path)
        self.pydll = ctypes.PyDLL(path)
        for name, (restype, argtypes, keeps_gil) in _PROTOTYPES.items():
            function = getattr(self.pydll if keeps_gil else self.cdll, name)
            function.restype = restype
            function.argtypes = list(argtypes)
            setattr(self, name, function)

    def check(self, code: int) -> None:
        """Raises the error for a non-zero status `code`.

        Must run on the thread that made the failing call, right after it:
        the library keeps the last error's message per thread.
        """
        if code:
            message = self.progress_last_error() or b""
            raise error_for(code, message.decode("utf-8", "replace"))

    # Only reached for a missing attribute, which it reports as Python
    # would; declared so type checkers accept the functions set above.
    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


_loaded: Optional[Library] = None
_load_lock = threading.Lock()


def load() -> Library:
    """The library, loaded on first call. Raises LibraryNotFoundError (with
    every place tried and why each failed) when it cannot be loaded; a later
    call tries again."""
    global _loaded
    if _loaded is None:
        with _load_lock:
            if _loaded is None:
                _loaded = _find_and_load()
    return _loaded


def _beside_package() -> List[Path]:
    """libprogress_client.so* in the package's own folder, where a wheel or
    `cmake --install` puts it; the plain .so name first."""
    here = Path(__file__).parent
    return sorted(here.glob("libprogress_client.so*"),
                  key=lambda path: (len(path.name), path.name))


def _try_load(target: str) -> Tuple[Optional[Library], str]:
    try:
        return Library(target), ""
    except OSError as error:  # dlopen's reason: missing file, bad ELF, deps
        return None, str(error)
    except AttributeError as error:  # an old library lacking a function
        return None, f"not a usable libprogress_client: {error}"


def _find_and_load() -> Library:
    tried: List[str] = []
    package_dir = Path(__file__).parent
    candidates = _beside_package()
    if not candidates:
        tried.append(f"beside the package ({package_dir}/"
                     "libprogress_client.so*): no such file")
    for candidate in candidates:
        library, why = _try_load(str(candidate))
        if library is not None:
            return library
        tried.append(f"beside the package ({candidate}): {why}")

    from_env = os.environ.get(LIBRARY_ENV, "")
    if not from_env:
        tried.append(f"${LIBRARY_ENV}: not set")
    elif os.path.isdir(from_env):
        tried.append(f"${LIBRARY_ENV}={from_env}: a directory; it must name "
                     "the library file itself")
    else:
        library, why = _try_load(from_env)
        if library is not None:
            return library
        tried.append(f"${LIBRARY_ENV}={from_env}: {why}")

    # The system loader: LD_LIBRARY_PATH, the ld.so cache, default folders.
    library, why = _try_load(SONAME)
    if library is not None:
        return library
    tried.append(f"the system loader ({SONAME}): {why}")
    raise LibraryNotFoundError(_not_found_message(tried))


def _not_found_message(tried: List[str]) -> str:
    places = "\n".join(f"  {index}. {place}"
                       for index, place in enumerate(tried, start=1))
    return (
        "progress_tracker could not load libprogress_client.so. Looked:\n"
        f"{places}\n"
        "To fix: build it with ./scripts/build.sh and set "
        f"{LIBRARY_ENV}=<repo>/build/client/{SONAME}, or run "
        "`pip install ./client/python` after building, or install the "
        "library where the system loader finds it.")
