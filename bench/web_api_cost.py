#!/usr/bin/env python3
"""What the web page's requests cost progressd when it holds many jobs.

Starts the build's progressd on free loopback ports, fills it with JOBS jobs
through the Python binding, then times REQUESTS of each URL the page and
scripts use: wall time per request and the daemon's own CPU per request
(from /proc). Prints one line per URL; judges nothing.

    /usr/bin/python3 bench/web_api_cost.py [--build=build] [--jobs=10000] \\
        [--requests=50]
"""

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# Run from a checkout without installing the package; the daemon is started
# as the Python tests start theirs.
sys.path[:0] = [os.path.join(ROOT, "client", "python"),
                os.path.join(ROOT, "tests", "python")]

URLS = ("/api/v1/jobs?order=active&history=1&page_size=50",  # the page's
        "/api/v1/jobs?page_size=1000",
        "/api/v1/jobs/job.00042?history=1",
        "/metrics")


def daemon_cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    os.environ.setdefault("PROGRESS_CLIENT_LIBRARY",
                          os.path.join(build, "client", "libprogress_client.so.0"))
    import progress_tracker as pt  # After the library's path is set.
    from progressd_process import Daemon

    daemon = Daemon(Path(tempfile.mkdtemp(prefix="web_api_cost.")), http=True,
                    progressd=os.path.join(build, "server", "progressd"),
                    flags=[f"--max_jobs={max(args.jobs, 10000)}"])
    daemon.start()
    try:
        with pt.Client(daemon.address) as client:
            for i in range(args.jobs):
                client.job(f"job.{i:05d}").add_success(i + 1)
            client.flush(timeout=120)
        time.sleep(3)  # A few rate-history points per job.
        for url in URLS:
            cpu_before = daemon_cpu_seconds(daemon.process.pid)
            start = time.monotonic()
            size = 0
            for _ in range(args.requests):
                with urllib.request.urlopen(
                        daemon.http_url + url[1:]) as response:
                    size = len(response.read())
            wall = (time.monotonic() - start) / args.requests
            cpu = ((daemon_cpu_seconds(daemon.process.pid) - cpu_before)
                   / args.requests)
            print(f"{args.jobs:,} jobs  {url:50s} {wall * 1000:7.1f} ms wall "
                  f"{cpu * 1000:6.1f} ms daemon CPU  {size:,} bytes")
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
