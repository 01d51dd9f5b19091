#!/usr/bin/env python3
"""Makes the README's screenshot of progressd's web page from a real run.

  scripts/web_screenshot.py [BUILD_DIR [OUTPUT]] [--seconds N]

Starts BUILD_DIR's progressd (default: the checkout's build/) on free
loopback ports, drives eight jobs through the Python binding for N seconds
(default 20) at varied, changing rates so their charts have shape, opens the
page at 1280x800 in headless Chromium (Debian's chromium, chromium-driver and
python3-selenium), saves OUTPUT (default docs/web/page.png), and stops
everything, also on Ctrl-C or an error. Prints the PNG's path and the page's
total asset size.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSETS = ("", "ui/app.js", "ui/format.js", "ui/rows.js", "ui/app.css",
          "ui/icon.svg")

# Debian's python3-selenium belongs to /usr/bin/python3; another python3
# first on PATH (pyenv, a venv) may lack it (tests/CMakeLists.txt picks the
# tests' interpreter the same way).
if (importlib.util.find_spec("selenium") is None
        and sys.executable != "/usr/bin/python3"
        and Path("/usr/bin/python3").exists()):
    os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])


class Job:
    """A job's shape: records/s as a function of the seconds since the run
    began, a failure share, how many client processes report it, and an
    expected total (0: unknown)."""

    def __init__(self, name, rate, failure_share=0.0, workers=1, total=0,
                 starts_at=0.0):
        self.name = name
        self.rate = rate
        self.failure_share = failure_share
        self.workers = workers
        self.total = total
        self.starts_at = starts_at


def wave(base, swing, period, phase=0.0):
    return lambda t: base * (1 + swing * math.sin(2 * math.pi * t / period
                                                  + phase))


JOBS = [
    # About 60% done by the screenshot, a few failures.
    Job("etl.orders-daily", wave(3600, 0.25, 11), 0.0004, workers=4,
        total=120_000),
    # No known total: an indeterminate bar.
    Job("embed.wiki-en", lambda t: 900 + 90 * t, workers=3),
    # A noticeable failure share.
    Job("ingest.clicks:eu-west", wave(9000, 0.4, 7, 1.0), 0.043,
        workers=6),
    # Far from done, with an ETA.
    Job("reindex.products", wave(2500, 0.1, 5), 0.0, workers=2,
        total=500_000),
    # Started late, slow.
    Job("backfill.orders_2019", lambda t: 40 * (t - 6), 0.002, workers=1,
        total=30_000, starts_at=6.0),
    # Reaches its total and is finished.
    Job("thumbnails.2026-11-28", wave(5000, 0.3, 6, 2.0), 0.0, workers=2,
        total=45_000),
    # Finished early on, with a few failures.
    Job("export.parquet:2026-11", lambda t: 7000, 0.0015, workers=3,
        total=40_000),
    # Slow and steady, no total.
    Job("ocr.scans-batch_17", wave(420, 0.15, 9, 0.5), 0.01, workers=2),
]


def drive(job, clients, stop, began, print_lock):
    """Adds to `job` every 50 ms at its rate, spread over its clients, until
    `stop` is set or its total is reached (then finishes it)."""
    added = 0.0
    failed = 0.0
    done = 0
    tick = 0
    while not stop.wait(0.05):
        t = time.monotonic() - began
        if t < job.starts_at:
            continue
        due = max(0.0, job.rate(t)) * 0.05
        if job.total:
            due = min(due, job.total - done)
        added += due
        n = int(added) - done
        if n <= 0:
            continue
        failed += n * job.failure_share
        failures = int(failed)
        failed -= failures
        handle = clients[tick % len(clients)].job(job.name)
        tick += 1
        handle.add_failure(failures)
        handle.add_success(n - failures)
        done += n
        if job.total and done >= job.total:
            for client in clients:
                client.flush(timeout=10)
            clients[0].finish_job(job.name)
            with print_lock:
                print(f"web_screenshot: {job.name} finished after {t:.1f}s",
                      file=sys.stderr)
            return


def asset_bytes(url):
    """The page's assets as served (uncompressed), in bytes."""
    total = 0
    for path in ASSETS:
        with urllib.request.urlopen(url + path, timeout=10) as response:
            total += len(response.read())
    return total


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", nargs="?", default=str(REPO / "build"))
    parser.add_argument("output", nargs="?",
                        default=str(REPO / "docs/web/page.png"))
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="how long the jobs run before the screenshot")
    args = parser.parse_args()
    build = Path(args.build_dir).resolve()
    output = Path(args.output).resolve()
    progressd = build / "server/progressd"
    library = build / "client/libprogress_client.so.0"
    for needed in (progressd, library):
        if not needed.exists():
            sys.exit(f"web_screenshot: {needed} is missing; build first "
                     "(scripts/build.sh)")

    os.environ["PROGRESS_CLIENT_LIBRARY"] = str(library)
    os.environ["PROGRESS_TRACKER_LOG_LEVEL"] = "error"
    sys.path[:0] = [str(REPO / "client/python"), str(REPO / "tests/python")]
    import progress_tracker as pt
    from browser import open_browser
    from progressd_process import Daemon

    # SIGTERM ends the run like Ctrl-C: everything below is cleaned up.
    signal.signal(signal.SIGTERM, interrupt)

    stop = threading.Event()
    threads = []
    clients = []
    driver = None
    with tempfile.TemporaryDirectory(prefix="web_screenshot.") as work:
        daemon = Daemon(Path(work), http=True, progressd=str(progressd))
        daemon.start()
        address, url = daemon.address, daemon.http_url
        try:
            print(f"web_screenshot: progressd at {address}, page {url}",
                  file=sys.stderr)
            began = time.monotonic()
            print_lock = threading.Lock()
            for job in JOBS:
                mine = [pt.Client(address, client_id=f"{job.name}.w{i}")
                        for i in range(job.workers)]
                clients += mine
                if job.total:
                    mine[0].start_job(job.name, expected_total=job.total)
                thread = threading.Thread(
                    target=drive, args=(job, mine, stop, began, print_lock),
                    daemon=True)
                thread.start()
                threads.append(thread)

            driver = open_browser(1280, 800)
            # Loaded a few seconds early: the page has polled a few times
            # (and drawn its charts) by the screenshot.
            time.sleep(max(0.0, args.seconds - 4 - (time.monotonic() - began)))
            driver.get(url)
            time.sleep(max(0.0, args.seconds - (time.monotonic() - began)))
            state = driver.execute_script(
                "return document.getElementById('status').dataset.state;")
            if state != "live":
                raise RuntimeError(f"the page is not live ({state})")
            output.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(output))
            size = asset_bytes(url)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            if driver is not None:
                driver.quit()
            for client in clients:
                try:
                    client.close(timeout=2)
                except pt.ProgressError:
                    pass
            daemon.stop()
    print(output)
    print(f"web_screenshot: page assets {size:,} bytes "
          f"({', '.join('/' + asset for asset in ASSETS)})")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
