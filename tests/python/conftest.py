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
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO / "client" / "python"
PROGRESSD = os.environ.get("PROGRESSD") or str(REPO / "build/server/progressd")
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
# bounded by one of these.
START_TIMEOUT = 20.0
PROCESS_TIMEOUT = 60.0


class Daemon:
    """progressd on 127.0.0.1, on a free port or a given one (to restart
    "the same" daemon after a kill). With http=True it also serves its HTTP
    listener (the web page, /api/v1/jobs, /metrics) on a free loopback port;
    otherwise that listener is off."""

    def __init__(self, workdir: Path, name: str = "progressd",
                 http: bool = False) -> None:
        self.port_file = workdir / f"{name}.port"
        self.http_port_file = workdir / f"{name}.http_port"
        self.log_file = workdir / f"{name}.log"
        self.http = http
        self.process: Optional[subprocess.Popen] = None
        self.port = 0
        self.http_port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        """The HTTP listener's root ("http://127.0.0.1:PORT/"); http=True
        only."""
        return f"http://127.0.0.1:{self.http_port}/"

    def start(self, port: int = 0) -> "Daemon":
        """Starts it (on `port`, 0 = any free one) and waits for it to listen.
        A port just freed by a killed daemon is retried until it binds."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._try_start(port, deadline):
                return self
            if time.monotonic() >= deadline:
                raise RuntimeError(f"progressd did not start on port {port}: "
                                   f"{self.log_file.read_text()[-2000:]}")
            time.sleep(0.1)

    def _try_start(self, port: int, deadline: float) -> bool:
        for stale in (self.port_file, self.http_port_file):
            if stale.exists():
                stale.unlink()
        http_flags = (["--metrics_listen=127.0.0.1:0",
                       f"--metrics_port_file={self.http_port_file}"]
                      if self.http else ["--metrics_listen="])
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [PROGRESSD, f"--listen=127.0.0.1:{port}",
                 f"--port_file={self.port_file}", *http_flags,
                 "--log_level=warn", "--shutdown_grace=1s"],
                stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() < deadline:
            text = self.port_file.read_text() if self.port_file.exists() else ""
            if text.strip().isdigit() and int(text) > 0:
                self.port = int(text)
                # progressd writes the HTTP port file before the gRPC one.
                if self.http:
                    self.http_port = int(self.http_port_file.read_text())
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        self.kill()
        return False

    def stop(self) -> None:
        """SIGTERM, as a clean shutdown; SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, down_for: float = 0.0) -> "Daemon":
        """Kills it and starts a new one on the same port (with no state:
        the clients' resent cumulative counts must rebuild it)."""
        port = self.port
        self.kill()
        time.sleep(down_for)
        return self.start(port)


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
