"""Headless Chromium through Selenium, for the web page's tests and for
scripts/web_screenshot.py: Debian's chromium, chromium-driver and
python3-selenium (scripts/install-deps.sh installs them). A missing piece is
an error that says what to install, never a silent skip."""

from __future__ import annotations

import os
import shutil
from typing import Dict, List

CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = ("the web page's browser checks need Debian's chromium, "
                "chromium-driver and python3-selenium "
                "(apt-get install chromium chromium-driver python3-selenium)")


def open_browser(width: int = 1280, height: int = 800):
    """A headless Chromium window of width x height whose console messages
    (every level) driver.get_log('browser') returns. Raises RuntimeError
    naming the packages when one is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        raise RuntimeError(f"{INSTALL_HINT}: {error}") from error
    driver_path = shutil.which("chromedriver") or CHROMEDRIVER
    if not shutil.which(driver_path) or not (shutil.which("chromium")
                                             or shutil.which("chromium-browser")):
        raise RuntimeError(f"{INSTALL_HINT}: chromium or chromedriver "
                           "is not on this machine")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox",
                     "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-extensions", "--no-first-run",
                     "--hide-scrollbars", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The sanitizer builds preload their runtime into the tests (see
    # cmake/Sanitizers.cmake); the browser is not ours and must run without.
    browser_env = {key: value for key, value in os.environ.items()
                   if key not in ("LD_PRELOAD", "ASAN_OPTIONS",
                                  "UBSAN_OPTIONS", "LSAN_OPTIONS")}
    driver = webdriver.Chrome(service=Service(driver_path, env=browser_env),
                              options=options)
    # --window-size counts the window's frame: this makes the page itself
    # (and so a screenshot) exactly width x height.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": False})
    return driver


def console_problems(entries: List[Dict]) -> List[Dict]:
    """The console entries at WARNING or SEVERE (errors, CSP violations,
    failed loads)."""
    return [entry for entry in entries
            if entry.get("level") in ("WARNING", "SEVERE")]
