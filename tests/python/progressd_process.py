"""progressd as a child process on free loopback ports, for the Python tests
(conftest.py's fixtures) and for the scripts that need a real daemon
(scripts/web_screenshot.py, bench/web_api_cost.py). Plain Python: no pytest.

The binary is $PROGRESSD, else the checkout's build/server/progressd, unless
a Daemon is given one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
PROGRESSD = os.environ.get("PROGRESSD") or str(REPO / "build/server/progressd")

# Long enough for a loaded 2-core machine.
START_TIMEOUT = 20.0


class Daemon:
    """progressd on 127.0.0.1, on a free port or a given one (to restart
    "the same" daemon after a kill). With http=True it also serves its HTTP
    listener (the web page, /api/v1/jobs, /metrics) on a free loopback port;
    otherwise that listener is off."""

    def __init__(self, workdir: Path, name: str = "progressd",
                 http: bool = False, progressd: Optional[str] = None,
                 flags: Sequence[str] = ()) -> None:
        self.port_file = workdir / f"{name}.port"
        self.http_port_file = workdir / f"{name}.http_port"
        self.log_file = workdir / f"{name}.log"
        self.http = http
        self.progressd = str(progressd or PROGRESSD)
        # More flags for the daemon, after the ones it always gets.
        self.flags = list(flags)
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
                [self.progressd, f"--listen=127.0.0.1:{port}",
                 f"--port_file={self.port_file}", *http_flags,
                 "--log_level=warn", "--shutdown_grace=1s", *self.flags],
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
