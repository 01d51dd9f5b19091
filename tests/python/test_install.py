"""Installing the package as the README says: `pip install ./client/python`
into a fresh virtual environment, offline, and `cmake --install`. Either
way the package must load the library installed beside it, with no
PROGRESS_CLIENT_LIBRARY, and report to a daemon."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import LIBRARY, PACKAGE_DIR, PROCESS_TIMEOUT, REPO, python_env

BUILD_DIR = Path(os.environ.get("PROGRESS_BUILD_DIR") or REPO / "build")

# Counts 7 + 2 on a job of its own and prints where the library came from.
USE_IT = """
import sys
import progress_tracker
from progress_tracker import _library
with progress_tracker.Client(sys.argv[1]) as client:
    job = client.job(sys.argv[2])
    job.add_success(7)
    job.add_failure(2)
    client.flush(timeout=10)
    counts = client.get_counts(sys.argv[2])
print(_library.load().path)
print(progress_tracker.__file__)
print(counts.success, counts.failure)
"""


def use_installed(python: str, daemon, job: str, **env) -> list:
    finished = subprocess.run(
        [python, "-c", USE_IT, daemon.address, job],
        env=python_env(PROGRESS_CLIENT_LIBRARY=None, **env),
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.splitlines()


def test_pip_installs_offline_into_a_fresh_virtual_environment(
        tmp_path: Path, daemon, job_name: str) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                   timeout=PROCESS_TIMEOUT)
    # PIP_NO_INDEX: any attempt to fetch (a build backend, a dependency)
    # fails the install instead of reaching out.
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-input",
         str(PACKAGE_DIR)],
        env=python_env(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                       PROGRESS_CLIENT_LIBRARY=LIBRARY, PYTHONPATH=None),
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    library, package, counts = use_installed(
        str(venv / "bin" / "python"), daemon, job_name, PYTHONPATH=None)
    assert library.startswith(str(venv)), library
    assert Path(library).parent == Path(package).parent
    assert counts == "7 2"


def test_cmake_install_puts_the_package_beside_its_library(
        tmp_path: Path, daemon, job_name: str) -> None:
    prefix = tmp_path / "prefix"
    install = subprocess.run(
        ["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)],
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT)
    assert install.returncode == 0, install.stdout + install.stderr
    packages = list(prefix.glob("lib/python3*/dist-packages/progress_tracker"))
    assert len(packages) == 1, list(prefix.rglob("progress_tracker"))
    site = packages[0].parent
    assert (packages[0] / "py.typed").is_file()
    library, package, counts = use_installed(
        sys.executable, daemon, job_name, PYTHONPATH=str(site))
    assert Path(library).parent == packages[0]
    assert Path(package).parent == packages[0]
    assert counts == "7 2"
