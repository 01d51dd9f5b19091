"""Fixtures for the progress_tracker tests: the build under test, a real
progressd on a free loopback port, and Python subprocesses set up like the
test process.

CTest sets PROGRESSD (the daemon binary), PROGRESS_CLIENT_LIBRARY (the
library) and PYTHONPATH (client/python); run by hand, the defaults are the
checkout's build/ folder. Nothing here talks to anything but loopback.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from progressd_process import Daemon

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO / "client" / "python"
LIBRARY = os.environ.setdefault(
    "PROGRESS_CLIENT_LIBRARY",
    str(REPO / "build/client/libprogress_client.so.0"))
if str(PACKAGE_DIR) not in sys.path:
    sys.path.insert(0, str(PACKAGE_DIR))

# The caller's own settings must not reach a test daemon or client: each test
# says what it uses.
for _variable in [name for name in os.environ
                  if name.startswith("PROGRESS_TRACKER_")]:
    del os.environ[_variable]
# The library's "cannot reach progressd" warnings are expected in several
# tests; errors still show.
os.environ["PROGRESS_TRACKER_LOG_LEVEL"] = "error"

# Long enough for a loaded 2-core machine; every wait in these tests is
# bounded by this or progressd_process.START_TIMEOUT.
PROCESS_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for the whole pytest process; it is also the default
    client's ($PROGRESS_TRACKER_ADDRESS), which is made once per process."""
    started = Daemon(tmp_path_factory.mktemp("daemon")).start()
    os.environ["PROGRESS_TRACKER_ADDRESS"] = started.address
    yield started
    # The default client's exit-time flush, while its daemon still listens
    # (at exit it would wait its whole timeout for a stopped one).
    from progress_tracker import _default
    _default.final_flush_if_made()
    started.stop()


@pytest.fixture
def fresh_daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A daemon of the test's own, for tests that kill or restart it."""
    started = Daemon(tmp_path).start()
    yield started
    started.kill()


@pytest.fixture
def job_name(request: pytest.FixtureRequest) -> str:
    """A job name no other test (or earlier run against the same daemon)
    uses: the test's name plus the time."""
    base = re.sub(r"[^A-Za-z0-9._:-]", "-", request.node.name)[:80]
    return f"{base}.{time.monotonic_ns()}"


@pytest.fixture
def dead_address() -> Iterator[str]:
    """A loopback address where nothing listens: a bound, never listening
    socket keeps the port from being taken meanwhile (connects are
    refused)."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{reserved.getsockname()[1]}"


def python_env(**overrides: Optional[str]) -> Dict[str, str]:
    """The environment for a Python subprocess: this process's, with the
    package importable; a None override removes the variable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PACKAGE_DIR)] + [p for p in env.get("PYTHONPATH", "").split(
            os.pathsep) if p])
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(code: str, args: List[str] = (),
               timeout: float = PROCESS_TIMEOUT,
               **env: Optional[str]) -> subprocess.CompletedProcess:
    """Runs `code` in a new interpreter (the test's own); returns it
    finished, with text stdout and stderr."""
    return subprocess.run([sys.executable, "-c", code, *args],
                          env=python_env(**env), capture_output=True,
                          text=True, timeout=timeout)


def start_python(code: str, args: List[str] = (),
                 **env: Optional[str]) -> subprocess.Popen:
    """Starts `code` in a new interpreter; stdout and stderr are pipes."""
    return subprocess.Popen([sys.executable, "-c", code, *args],
                            env=python_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def summed_outputs(workers: List[subprocess.Popen]) -> Tuple[int, int]:
    """Waits for each worker (bounded), requires it to exit 0, and sums the
    [success, failure] each printed as JSON."""
    success = failure = 0
    for worker in workers:
        out, err = worker.communicate(timeout=PROCESS_TIMEOUT)
        assert worker.returncode == 0, err
        added = json.loads(out)
        success += added[0]
        failure += added[1]
    return success, failure
