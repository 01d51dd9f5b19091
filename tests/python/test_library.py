"""Finding libprogress_client.so: beside the package, then
$PROGRESS_CLIENT_LIBRARY, then the system loader; loaded on first use; and a
message that says where it looked and how to fix it when it is nowhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import LIBRARY, PACKAGE_DIR, run_python

LOAD_AND_SAY_WHERE = """
import progress_tracker
from progress_tracker import _library
assert _library._loaded is None, "loaded at import"
print(_library.load().path)
"""

TRY_TO_USE = """
import progress_tracker as pt
try:
    pt.Client("127.0.0.1:1")
except pt.LibraryNotFoundError as error:
    assert isinstance(error, ImportError)
    assert isinstance(error, pt.ProgressError)
    assert error.code_name == "FAILED_PRECONDITION"
    print(error)
else:
    print("LOADED")
"""


def system_loader_finds_it() -> bool:
    result = run_python("import ctypes; ctypes.CDLL('libprogress_client.so.0')",
                        PROGRESS_CLIENT_LIBRARY=None, LD_LIBRARY_PATH=None)
    return result.returncode == 0


def test_import_does_not_load_and_the_variable_is_used():
    result = run_python(LOAD_AND_SAY_WHERE, LD_LIBRARY_PATH=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == LIBRARY


def test_system_loader_is_the_last_resort():
    result = run_python(LOAD_AND_SAY_WHERE, PROGRESS_CLIENT_LIBRARY=None,
                        LD_LIBRARY_PATH=os.path.dirname(LIBRARY))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "libprogress_client.so.0"


def test_a_copy_beside_the_package_comes_first(tmp_path):
    copy = tmp_path / "site" / "progress_tracker"
    shutil.copytree(PACKAGE_DIR / "progress_tracker", copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "libprogress_client.so.0").symlink_to(LIBRARY)
    result = run_python(LOAD_AND_SAY_WHERE, PYTHONPATH=str(tmp_path / "site"),
                        PROGRESS_CLIENT_LIBRARY=str(tmp_path / "elsewhere.so"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(copy / "libprogress_client.so.0")


@pytest.mark.parametrize("variable", ["/nonexistent/libprogress_client.so.0",
                                      None, "directory"])
def test_not_found_says_where_it_looked_and_how_to_fix_it(tmp_path, variable):
    if system_loader_finds_it():
        pytest.skip("libprogress_client.so.0 is installed system-wide")
    if variable == "directory":
        variable = str(tmp_path)
    result = run_python(TRY_TO_USE, PROGRESS_CLIENT_LIBRARY=variable,
                        LD_LIBRARY_PATH=None)
    assert result.returncode == 0, result.stderr
    message = result.stdout
    assert "could not load libprogress_client.so" in message
    package = Path(PACKAGE_DIR) / "progress_tracker"
    assert f"1. beside the package ({package}/libprogress_client.so*): " \
           "no such file" in message
    if variable is None:
        assert "2. $PROGRESS_CLIENT_LIBRARY: not set" in message
    elif variable == str(tmp_path):
        assert "a directory; it must name the library file itself" in message
    else:
        assert (f"2. $PROGRESS_CLIENT_LIBRARY={variable}: {variable}: "
                "cannot open shared object file") in message
    assert ("3. the system loader (libprogress_client.so.0): "
            "libprogress_client.so.0: cannot open shared object file"
            ) in message
    assert "./scripts/build.sh" in message
    assert ("PROGRESS_CLIENT_LIBRARY=<repo>/build/client/"
            "libprogress_client.so.0") in message
    assert "pip install ./client/python" in message


def test_a_broken_library_is_reported_with_the_loaders_reason(tmp_path):
    if system_loader_finds_it():
        pytest.skip("libprogress_client.so.0 is installed system-wide")
    bogus = tmp_path / "libprogress_client.so.0"
    bogus.write_text("not an ELF file\n" * 256)
    result = run_python(TRY_TO_USE, PROGRESS_CLIENT_LIBRARY=str(bogus),
                        LD_LIBRARY_PATH=None)
    assert result.returncode == 0, result.stderr
    assert f"$PROGRESS_CLIENT_LIBRARY={bogus}: " in result.stdout
    assert "invalid ELF header" in result.stdout


def test_a_failed_load_is_tried_again_later(tmp_path):
    result = run_python(
        "import os, progress_tracker as pt\n"
        "library = os.environ['PROGRESS_CLIENT_LIBRARY']\n"
        "os.environ['PROGRESS_CLIENT_LIBRARY'] = '/nonexistent.so'\n"
        "try:\n"
        "    pt.set_log_level('error')\n"
        "except pt.LibraryNotFoundError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('loaded from nowhere')\n"
        "os.environ['PROGRESS_CLIENT_LIBRARY'] = library\n"
        "pt.set_log_level('error')\n", LD_LIBRARY_PATH=None)
    assert result.returncode == 0, result.stderr
