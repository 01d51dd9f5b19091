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
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(ROOT, "client", "python"))

URLS = ("/api/v1/jobs?order=active&history=1&page_size=50",  # the page's
        "/api/v1/jobs?page_size=1000",
        "/api/v1/jobs/job.00042?history=1",
        "/metrics")


def wait_for_file(path, process):
    deadline = time.monotonic() + 20
    while not (os.path.exists(path) and open(path).read().strip()):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"web_api_cost: progressd did not start ({path})")
        time.sleep(0.05)
    return open(path).read().strip()


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

    work = tempfile.mkdtemp(prefix="web_api_cost.")
    daemon = subprocess.Popen(
        [os.path.join(build, "server", "progressd"), "--listen=127.0.0.1:0",
         f"--port_file={work}/grpc", "--metrics_listen=127.0.0.1:0",
         f"--metrics_port_file={work}/http", "--log_level=warn",
         f"--max_jobs={max(args.jobs, 10000)}"])
    try:
        grpc_port = wait_for_file(f"{work}/grpc", daemon)
        http_port = wait_for_file(f"{work}/http", daemon)
        with pt.Client(f"127.0.0.1:{grpc_port}") as client:
            for i in range(args.jobs):
                client.job(f"job.{i:05d}").add_success(i + 1)
            client.flush(timeout=120)
        time.sleep(3)  # A few rate-history points per job.
        for url in URLS:
            cpu_before = daemon_cpu_seconds(daemon.pid)
            start = time.monotonic()
            size = 0
            for _ in range(args.requests):
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{http_port}{url}") as response:
                    size = len(response.read())
            wall = (time.monotonic() - start) / args.requests
            cpu = (daemon_cpu_seconds(daemon.pid) - cpu_before) / args.requests
            print(f"{args.jobs:,} jobs  {url:50s} {wall * 1000:7.1f} ms wall "
                  f"{cpu * 1000:6.1f} ms daemon CPU  {size:,} bytes")
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


if __name__ == "__main__":
    main()
