"""The web page (GET /) of a real progressd, in headless Chromium: what a
person sees for a few jobs, a live update without a reload, the banner once
the daemon is gone, and filtering and paging with many jobs.

The browser is Debian's chromium with chromium-driver and python3-selenium
(see browser.py): when one is missing these tests fail, they never skip."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Dict, List, TypeVar

import pytest

import progress_tracker as pt
from browser import console_problems, open_browser
from conftest import Daemon

# Bounded waits, generous for a loaded 2-core machine...
PAGE_TIMEOUT = 10.0
# ...except the page's promise: a count shows within 2 s of its flush.
LIVE_UPDATE_LIMIT = 2.0

T = TypeVar("T")

# Everything the tests read off a row, in one round trip.
READ_ROWS = """
const hooks = ['job-name', 'success', 'failure', 'percent', 'rate',
               'elapsed', 'eta', 'clients'];
return [...document.querySelectorAll('tr.job')].map((row) => {
  const text = {};
  for (const hook of hooks) {
    const element = row.querySelector('.' + hook);
    text[hook] = element ? element.textContent : null;
  }
  const mark = row.querySelector('.done-mark');
  return {
    name: row.dataset.job,
    text: text,
    done_mark: mark ? mark.textContent : null,
    has_failures: row.querySelector('.failure').classList.contains('has-failures'),
    chart: row.querySelector('svg.chart') !== null,
  };
});
"""

READ_HEADER = """
const text = (id) => document.getElementById(id).textContent;
return {state: document.getElementById('status').dataset.state,
        status: text('status'), summary: text('summary'),
        pager: text('pager-info'),
        prev_disabled: document.getElementById('prev').disabled,
        next_disabled: document.getElementById('next').disabled,
        banner_hidden: document.getElementById('banner').hidden};
"""


@pytest.fixture
def http_daemon(tmp_path: Path):
    started = Daemon(tmp_path, http=True).start()
    yield started
    started.kill()


@pytest.fixture
def browser():
    driver = open_browser()
    yield driver
    driver.quit()


def wait_for(read: Callable[[], T], ok: Callable[[T], bool], timeout: float,
             what: str) -> T:
    """Reads until ok(value) holds (every 50 ms, for at most `timeout`
    seconds) and returns the value; fails naming `what` and the last value
    otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value):
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"after {timeout}s, {what}; last seen: {value!r}")
        time.sleep(0.05)


def rows(driver) -> List[Dict]:
    return driver.execute_script(READ_ROWS)


def header(driver) -> Dict:
    return driver.execute_script(READ_HEADER)


def by_name(seen: List[Dict]) -> Dict[str, Dict]:
    return {row["name"]: row for row in seen}


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    """Saves the page as $PROGRESS_TEST_ARTIFACTS/name (or in the test's
    tmp dir) and prints where."""
    folder = Path(os.environ.get("PROGRESS_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def test_page_shows_jobs_live_and_the_daemon_going_away(http_daemon, browser,
                                                        tmp_path):
    # Named so that name order would put the finished job first: the page
    # asks for active jobs first.
    with_total, no_total, finished = ("etl.orders", "embed.docs",
                                      "archive:2026-11_final")
    with pt.Client(http_daemon.address) as client:
        client.start_job(with_total, expected_total=1000)
        client.job(with_total).add_success(640)
        client.job(with_total).add_failure(12)
        client.job(no_total).add_success(12345)
        client.start_job(finished, expected_total=250)
        client.job(finished).add_success(250)
        client.flush(timeout=10)
        client.finish_job(finished)

        browser.get(http_daemon.http_url)
        browser.execute_script("window.progressTestMarker = 'first load';")
        time_origin = browser.execute_script(
            "return window.performance.timeOrigin;")
        seen = wait_for(lambda: rows(browser),
                        lambda r: {row["text"]["success"] for row in r}
                        >= {"640", "12,345", "250"},
                        PAGE_TIMEOUT, "the three jobs' rows did not show")

        assert [row["name"] for row in seen] == [no_total, with_total,
                                                 finished]
        jobs = by_name(seen)
        for name, row in jobs.items():
            assert row["text"]["job-name"] == name
            assert row["chart"], name
        assert jobs[with_total]["text"]["success"] == "640"
        assert jobs[with_total]["text"]["failure"].startswith("12 (")
        assert jobs[with_total]["has_failures"]
        assert jobs[with_total]["text"]["percent"] == "65.2%"
        assert jobs[with_total]["done_mark"] is None
        assert jobs[no_total]["text"]["success"] == "12,345"
        assert jobs[no_total]["text"]["failure"] == "0"
        assert not jobs[no_total]["has_failures"]
        assert jobs[no_total]["text"]["percent"] == ""
        assert jobs[no_total]["done_mark"] is None
        assert jobs[finished]["text"]["success"] == "250"
        assert not jobs[finished]["has_failures"]
        assert jobs[finished]["text"]["percent"] == "100.0%"
        assert "done" in jobs[finished]["done_mark"]
        assert jobs[finished]["text"]["eta"] == "—"
        for row in seen:
            assert row["text"]["rate"].endswith("rec/s"), row
            assert row["text"]["elapsed"], row
            assert row["text"]["clients"].isdigit(), row

        top = header(browser)
        assert top["state"] == "live", top
        assert top["summary"] == "3 jobs · 2 running", top
        assert top["pager"] == "1–3 of 3", top
        assert top["banner_hidden"], top
        screenshot(browser, tmp_path, "web_page_live.png")

        # A new count shows within 2 s of its flush, without a reload.
        client.job(no_total).add_success(655)
        client.flush(timeout=10)
        flushed = time.monotonic()
        wait_for(lambda: by_name(rows(browser))[no_total]["text"]["success"],
                 lambda success: success == "13,000", LIVE_UPDATE_LIMIT,
                 "the page did not show the new count")
        print(f"new count shown {time.monotonic() - flushed:.2f}s after "
              "the flush")
    assert browser.execute_script("return window.progressTestMarker;") == \
        "first load"
    assert browser.execute_script(
        "return window.performance.timeOrigin;") == time_origin

    # The console is really read: an error logged on purpose shows up, and
    # nothing else does.
    browser.execute_script(
        "console.error('progress-test: console capture works');")
    problems = console_problems(browser.get_log("browser"))
    assert any("console capture works" in entry.get("message", "")
               for entry in problems), problems
    problems = [entry for entry in problems
                if "console capture works" not in entry.get("message", "")]
    assert problems == [], f"console errors or warnings: {problems}"

    # The daemon goes away: the page says so, and keeps its last data.
    http_daemon.stop()
    top = wait_for(lambda: header(browser), lambda h: h["state"] == "down",
                   PAGE_TIMEOUT, "#status did not turn to down")
    assert "cannot reach" in top["status"].lower(), top
    assert not top["banner_hidden"], top
    banner = browser.find_element("id", "banner")
    assert banner.is_displayed()
    assert "cannot reach" in banner.text.lower() or \
        "did not answer" in banner.text.lower(), banner.text
    assert len(rows(browser)) == 3
    screenshot(browser, tmp_path, "web_page_down.png")

    # Only the failed fetches of /api/v1/jobs may have logged since.
    unexpected = [
        entry for entry in console_problems(browser.get_log("browser"))
        if not ("/api/v1/jobs" in entry.get("message", "")
                and "Failed to load resource" in entry.get("message", ""))]
    assert unexpected == [], f"console errors besides failed fetches: " \
        f"{unexpected}"


def test_many_jobs_are_filtered_and_paged(http_daemon, browser):
    # 110 "ingest" jobs and 10 "reindex" ones: 120 in all.
    names = [f"ingest.shard-{i:03d}" for i in range(110)] + \
        [f"reindex.part-{i:02d}" for i in range(10)]
    with pt.Client(http_daemon.address) as client:
        for number, name in enumerate(names, start=1):
            client.job(name).add_success(number)
        client.flush(timeout=30)

    browser.get(http_daemon.http_url)
    wait_for(lambda: header(browser), lambda h: h["pager"] == "1–50 of 120",
             PAGE_TIMEOUT, "the first page of 120 jobs did not show")
    assert len(rows(browser)) == 50
    top = header(browser)
    assert top["prev_disabled"] and not top["next_disabled"], top

    # Typing a filter narrows the rows (and starts from the first page).
    browser.find_element("id", "filter").send_keys("reindex")
    wait_for(lambda: header(browser), lambda h: h["pager"] == "1–10 of 10",
             PAGE_TIMEOUT, "the filter did not narrow the rows")
    filtered = rows(browser)
    assert sorted(row["name"] for row in filtered) == names[110:]
    top = header(browser)
    assert top["prev_disabled"] and top["next_disabled"], top

    # Cleared, then paged through: 1-50, 51-100, 101-120, and back.
    browser.find_element("id", "filter").clear()
    browser.execute_script(
        "document.getElementById('filter')"
        ".dispatchEvent(new Event('input'));")
    wait_for(lambda: header(browser), lambda h: h["pager"] == "1–50 of 120",
             PAGE_TIMEOUT, "clearing the filter did not bring all jobs back")
    first_page = [row["name"] for row in rows(browser)]
    assert first_page == sorted(names)[:50]

    for expected in ("51–100 of 120", "101–120 of 120"):
        wait_for(lambda: header(browser), lambda h: not h["next_disabled"],
                 PAGE_TIMEOUT, "#next stayed disabled")
        browser.find_element("id", "next").click()
        wait_for(lambda: header(browser), lambda h: h["pager"] == expected,
                 PAGE_TIMEOUT, f"next did not show {expected}")
    assert [row["name"] for row in rows(browser)] == sorted(names)[100:]
    top = header(browser)
    assert top["next_disabled"] and not top["prev_disabled"], top

    browser.find_element("id", "prev").click()
    wait_for(lambda: header(browser), lambda h: h["pager"] == "51–100 of 120",
             PAGE_TIMEOUT, "prev did not go back a page")
    assert [row["name"] for row in rows(browser)] == sorted(names)[50:100]

    problems = console_problems(browser.get_log("browser"))
    assert problems == [], f"console errors or warnings: {problems}"
