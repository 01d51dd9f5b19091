"""A PEP 517 build backend for progress_tracker that needs nothing installed.

pip builds a package in an isolated environment and first installs the
backend it names (setuptools, usually) from an index. On machines without
PyPI that fails, so this package builds itself with the standard library:
the wheel holds the pure-Python package and, beside it, the client library
the C++ build made, which is what the package loads first at run time.

Where the library comes from, in order:
  1. $PROGRESS_CLIENT_LIBRARY (a path to libprogress_client.so.*),
  2. the repository's build folder, <repo>/$BUILD_DIR or <repo>/build.
With $PROGRESS_PYTHON_WITHOUT_LIBRARY=1 the wheel holds no library and the
package uses the one the system's loader finds (e.g. after
`cmake --install`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import pathlib
import re
import sysconfig
import tarfile
import zipfile

_SOURCE = pathlib.Path(__file__).resolve().parent.parent
_PACKAGE = "progress_tracker"
# The name the package looks for beside itself (its soname).
_LIBRARY_NAME = "libprogress_client.so.0"


def _project() -> dict:
    """The [project] table's plain `key = "value"` entries.

    Read with a regular expression rather than tomllib, which Python 3.9 and
    3.10 lack; the table holds nothing richer that the build needs.
    """
    text = (_SOURCE / "pyproject.toml").read_text(encoding="utf-8")
    table = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if table is None:
        raise RuntimeError(f"no [project] table in {_SOURCE}/pyproject.toml")
    return dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', table.group(1), re.M))


def _dist_name(project: dict) -> str:
    return re.sub(r"[-_.]+", "_", project["name"]).lower()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _find_library() -> pathlib.Path | None:
    """The built client library, or None when the wheel goes without it."""
    if _truthy(os.environ.get("PROGRESS_PYTHON_WITHOUT_LIBRARY")):
        return None
    looked = []
    named = os.environ.get("PROGRESS_CLIENT_LIBRARY")
    if named:
        path = pathlib.Path(named)
        if path.is_file():
            return path.resolve()
        looked.append(f"$PROGRESS_CLIENT_LIBRARY={named} (no such file)")
    repo = _SOURCE.parent.parent
    build_dir = pathlib.Path(os.environ.get("BUILD_DIR") or repo / "build")
    if not build_dir.is_absolute():
        build_dir = repo / build_dir
    built = build_dir / "client" / _LIBRARY_NAME
    if built.is_file():
        return built.resolve()
    looked.append(f"{built} (not built)")
    raise RuntimeError(
        "progress_tracker: cannot find the client library to pack beside the "
        "package; looked at " + "; ".join(looked) + ". Build it first "
        "(./scripts/build.sh at the top of the repository), or set "
        "PROGRESS_CLIENT_LIBRARY=/path/to/libprogress_client.so.0, or set "
        "PROGRESS_PYTHON_WITHOUT_LIBRARY=1 to use the system's library.")


def _package_files() -> list[tuple[str, pathlib.Path]]:
    """(name in the wheel, file) for every file of the package."""
    root = _SOURCE / _PACKAGE
    files = []
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        if path.suffix in (".py", ".typed"):
            files.append((path.relative_to(_SOURCE).as_posix(), path))
    return files


def _metadata(project: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3')}",
    ]
    readme = _SOURCE / project.get("readme", "README.md")
    if readme.is_file():
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + readme.read_text(encoding="utf-8")
    return "\n".join(lines) + "\n"


def _platform_tag() -> str:
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


class _Wheel:
    """A wheel being written: entries, then the RECORD that lists them."""

    def __init__(self, path: pathlib.Path, dist_info: str):
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self._dist_info = dist_info
        self._record: list[str] = []

    def add(self, name: str, data: bytes, executable: bool = False) -> None:
        self._write(name, data, 0o755 if executable else 0o644)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
        self._record.append(
            f"{name},sha256={digest.rstrip(b'=').decode()},{len(data)}")

    def _write(self, name: str, data: bytes, mode: int) -> None:
        # A fixed date, so the same sources make the same wheel.
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)

    def close(self) -> None:
        record = f"{self._dist_info}/RECORD"
        self._record.append(f"{record},,")
        self._write(record, ("\n".join(self._record) + "\n").encode(), 0o644)
        self._zip.close()


def _write_wheel(wheel_directory: str, editable: bool) -> str:
    project = _project()
    name, version = _dist_name(project), project["version"]
    library = None if editable else _find_library()
    tag = f"py3-none-{_platform_tag()}" if library else "py3-none-any"
    wheel_name = f"{name}-{version}-{tag}.whl"
    dist_info = f"{name}-{version}.dist-info"
    wheel = _Wheel(pathlib.Path(wheel_directory) / wheel_name, dist_info)
    if editable:
        # The source folder on sys.path: edits take effect without a
        # reinstall; the library is found through the environment then.
        wheel.add(f"{name}.pth", f"{_SOURCE}\n".encode())
    else:
        for arcname, path in _package_files():
            wheel.add(arcname, path.read_bytes())
        if library:
            wheel.add(f"{_PACKAGE}/{_LIBRARY_NAME}", library.read_bytes(),
                      executable=True)
    wheel.add(f"{dist_info}/METADATA", _metadata(project).encode())
    purelib = "false" if library else "true"
    wheel.add(
        f"{dist_info}/WHEEL",
        (f"Wheel-Version: 1.0\nGenerator: progress_tracker_build\n"
         f"Root-Is-Purelib: {purelib}\nTag: {tag}\n").encode())
    wheel.add(f"{dist_info}/top_level.txt", f"{_PACKAGE}\n".encode())
    wheel.close()
    return wheel_name


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    return _write_wheel(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None,
                   metadata_directory=None):
    return _write_wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    """The package's sources (no library: a wheel built from it needs one)."""
    project = _project()
    base = f"{_dist_name(project)}-{project['version']}"
    path = pathlib.Path(sdist_directory) / f"{base}.tar.gz"
    members = [("pyproject.toml", _SOURCE / "pyproject.toml"),
               ("README.md", _SOURCE / "README.md")]
    members += [(f"build_backend/{p.name}", p)
                for p in sorted((_SOURCE / "build_backend").glob("*.py"))]
    members += _package_files()
    # gzip's header carries a time too: zero it, as the members' mtimes are.
    with gzip.GzipFile(path, "wb", mtime=0) as packed, tarfile.open(
            fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for arcname, file in members:
            data = file.read_bytes()
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
        pkg_info = _metadata(project).encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return path.name
