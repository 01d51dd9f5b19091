"""ProgressReporter: the driver's progress lines and Final block, held to the
same table of cases as the C++ progress-reporter (tests/format_vectors), and
compared with what progress-reporter prints for the same job."""

from __future__ import annotations

import calendar
import json
import logging
import os
import re
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest

import progress_tracker
from progress_tracker import _format
from progress_tracker._library import ProgressJobInfo

from conftest import REPO

VECTORS = REPO / "tests" / "format_vectors" / "format_vectors.json"
REPORTER = os.environ.get("PROGRESS_REPORTER") or str(
    REPO / "build/client/reporter/progress-reporter")


def unix_ns(rfc3339: str) -> int:
    """Protobuf's JSON timestamp ("2026-11-28T10:00:01.500Z") as Unix ns,
    exactly (datetime alone would round beyond microseconds)."""
    match = re.fullmatch(r"(.*?T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z", rfc3339)
    assert match, rfc3339
    seconds = calendar.timegm(
        datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").timetuple())
    return seconds * 10**9 + int((match.group(2) or "").ljust(9, "0"))


def info_of(job: Dict[str, Any]) -> ProgressJobInfo:
    """A GetCounts Job in protobuf's JSON form as the library's struct."""
    info = ProgressJobInfo()
    info.success = int(job.get("success", 0))
    info.failure = int(job.get("failure", 0))
    info.expected_total = int(job.get("expectedTotal", 0))
    for field in ("created", "firstUpdate", "lastUpdate", "finish"):
        text = job.get(f"{field}Time")
        snake = re.sub(r"([A-Z])", r"_\1", field).lower()
        setattr(info, f"{snake}_time_ns", unix_ns(text) if text else 0)
    info.recent_rate = float(job.get("recentRate", 0.0))
    info.done = 1 if job.get("done") else 0
    return info


def cases() -> List[Dict[str, Any]]:
    with open(VECTORS, encoding="utf-8") as file:
        return json.load(file)["cases"]


@pytest.mark.parametrize("case", cases(), ids=lambda case: case["name"])
def test_lines_read_as_the_shared_table_says(case: Dict[str, Any]) -> None:
    info = info_of(case["job"])
    total = int(case.get("totalOverride", 0))
    now = unix_ns(case["now"])
    assert _format.progress_line(info, total, now) == case["line"]
    assert _format.summary(info, total, now).split("\n") == case["summary"]


def reporter_records(caplog: pytest.LogCaptureFixture,
                     logger: str) -> List[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == logger]


def test_logs_progress_then_the_final_block_once_the_total_is_reached(
        daemon, job_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.reporter")
    with progress_tracker.Client(daemon.address) as client:
        client.start_job(job_name, expected_total=1000)
        job = client.job(job_name)
        reporter = progress_tracker.ProgressReporter(
            job_name, interval=0.05, client=client, logger="test.reporter")
        with reporter:
            job.add_success(380)
            job.add_failure(20)
            client.flush()
            deadline = time.monotonic() + 10
            while not any(line.startswith("Progress: 400/1,000 (40.0%)")
                          for line in reporter_records(caplog,
                                                       "test.reporter")):
                assert time.monotonic() < deadline, caplog.text
                time.sleep(0.02)
            job.add_success(600)
            client.flush()
            assert reporter.wait(timeout=10)
        assert reporter.last_counts is not None
        assert reporter.last_counts.processed == 1000
    lines = reporter_records(caplog, "test.reporter")
    final = lines[-1].split("\n")
    assert final[0] == final[3] == "-" * 50
    assert final[1] == "Final: 1,000 total | 980 success | 20 failure"
    assert re.fullmatch(r"Time: \d+\.\ds \| Rate: [\d,]+ rec/s", final[2])
    assert lines[-2].startswith(
        "Progress: 1,000/1,000 (100.0%) | success: 980 | failure: 20 | ")
    assert sum(line.startswith("---") for line in lines) == 1


def test_prints_what_progress_reporter_prints_for_the_same_job(
        daemon, job_name: str, caplog: pytest.LogCaptureFixture) -> None:
    """A finished job's clock stops at its finish, so both reporters must
    print the very same line and Final block for it."""
    with progress_tracker.Client(daemon.address) as client:
        client.start_job(job_name, expected_total=5000)
        job = client.job(job_name)
        job.add_success(1234)
        job.add_failure(56)
        client.flush()
        time.sleep(0.3)  # Some time between first update and finish.
        job.add_success(1000)
        client.flush()
        client.finish_job(job_name)
        caplog.set_level(logging.INFO, logger="test.same")
        with progress_tracker.ProgressReporter(
                job_name, interval=0.05, client=client, logger="test.same"):
            pass
    python_lines = reporter_records(caplog, "test.same")
    cpp = subprocess.run(
        [REPORTER, f"--server={daemon.address}", f"--job={job_name}",
         "--until_done", "--interval=100ms"],
        capture_output=True, text=True, timeout=60)
    assert cpp.returncode == 0, cpp.stderr
    cpp_lines = cpp.stderr.splitlines()
    cpp_progress = [line.split("progress-reporter: ", 1)[1]
                    for line in cpp_lines if "progress-reporter: Progress:"
                    in line]
    first_rule = cpp_lines.index("-" * 50)
    cpp_final = cpp_lines[first_rule:first_rule + 4]
    assert cpp_progress and python_lines
    assert python_lines[-2] == cpp_progress[-1]
    assert python_lines[-1].split("\n") == cpp_final
    assert "Progress: 2,290/5,000 (45.8%)" in cpp_progress[-1]


def test_waits_for_a_job_that_is_not_there_yet(
        daemon, job_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.waiting")
    with progress_tracker.Client(daemon.address) as client:
        with progress_tracker.ProgressReporter(
                job_name, total=10, interval=0.05, client=client,
                logger="test.waiting") as reporter:
            time.sleep(0.3)
            client.job(job_name).add_success(10)
            client.flush()
            assert reporter.wait(timeout=10)
    lines = reporter_records(caplog, "test.waiting")
    assert lines.count(f"waiting for job '{job_name}' to appear") == 1
    assert lines[-1].split("\n")[1] == "Final: 10 total | 10 success | 0 failure"


def test_an_unreachable_daemon_is_said_once_and_never_raised(
        dead_address: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.dead")
    with progress_tracker.Client(dead_address) as client:
        reporter = progress_tracker.ProgressReporter(
            "nobody-home", interval=0.05, client=client, logger="test.dead")
        with reporter:
            time.sleep(0.5)
        assert reporter.last_counts is None
        client.close(timeout=0)
    lines = reporter_records(caplog, "test.dead")
    unreachable = [line for line in lines
                   if line.startswith(f"cannot reach progressd at "
                                      f"{dead_address}")]
    assert len(unreachable) == 1, lines
    assert lines[-1] == "no counts of job 'nobody-home' were read from progressd"


def test_stopping_early_still_logs_the_final_block(
        daemon, job_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.early")
    with progress_tracker.Client(daemon.address) as client:
        client.start_job(job_name, expected_total=100)
        job = client.job(job_name)
        job.add_success(7)
        client.flush()
        reporter = progress_tracker.ProgressReporter(
            job_name, interval=5, client=client, logger="test.early")
        with reporter:
            job.add_failure(3)
            client.flush()
        assert not reporter.wait(timeout=0)
    lines = reporter_records(caplog, "test.early")
    assert lines[-2].startswith("Progress: 10/100 (10.0%) | success: 7 | "
                                "failure: 3 |")
    assert lines[-1].split("\n")[1] == "Final: 10 total | 7 success | 3 failure"


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(ValueError):
        progress_tracker.ProgressReporter("no spaces")
    with pytest.raises(ValueError):
        progress_tracker.ProgressReporter("ok", interval=0)
    with pytest.raises(TypeError):
        progress_tracker.ProgressReporter("ok", interval="1s")
    with pytest.raises(ValueError):
        progress_tracker.ProgressReporter("ok", total=-1)
    with pytest.raises(TypeError):
        progress_tracker.ProgressReporter("ok", total=1.5)
    reporter = progress_tracker.ProgressReporter("ok")
    reporter.stop()  # Never started: nothing to do, nothing logged.


def test_wait_returns_once_stopped_and_odd_settings_are_refused_or_capped(
        dead_address: str) -> None:
    with pytest.raises(TypeError):
        progress_tracker.ProgressReporter("ok", level="INFO")
    with progress_tracker.Client(dead_address) as client:
        reporter = progress_tracker.ProgressReporter(
            "never-done", interval=1e10, client=client,
            logger="test.stopped").start()
        started = time.monotonic()
        threading.Timer(0.2, reporter.stop).start()
        assert reporter.wait(timeout=30) is False
        assert time.monotonic() - started < 10
        client.close(timeout=0)
