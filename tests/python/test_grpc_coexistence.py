"""progress_tracker beside grpcio in one process: Debian's python3-grpcio
carries its own gRPC core, the library links Debian's shared one; neither may
break the other, and both must see the same daemon state.

The Python stubs of proto/progress/v1/progress.proto are generated at test
time (grpc_tools.protoc when installed, else protoc with gRPC's Python
plugin, as tests/proto_python_test.sh does)."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import progress_tracker as pt
from conftest import REPO, run_python


def generate_stubs(out: Path) -> None:
    proto_root = REPO / "proto"
    proto = "progress/v1/progress.proto"
    try:
        importlib.import_module("grpc_tools.protoc")
        command = [sys.executable, "-m", "grpc_tools.protoc"]
        plugin = []
    except ImportError:
        grpc_plugin = (os.environ.get("GRPC_PYTHON_PLUGIN")
                       or shutil.which("grpc_python_plugin"))
        if not grpc_plugin or not shutil.which("protoc"):
            pytest.fail("neither grpc_tools nor protoc with grpc_python_plugin "
                        "(Debian: protobuf-compiler-grpc) is installed")
        command = ["protoc"]
        plugin = [f"--plugin=protoc-gen-grpc_python={grpc_plugin}"]
    subprocess.run([*command, f"--proto_path={proto_root}",
                    f"--python_out={out}", f"--grpc_python_out={out}",
                    *plugin, proto], check=True, timeout=60)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    """(progress_pb2, progress_pb2_grpc), importable from a temp folder."""
    out = tmp_path_factory.mktemp("stubs")
    generate_stubs(out)
    sys.path.insert(0, str(out))
    try:
        yield (importlib.import_module("progress.v1.progress_pb2"),
               importlib.import_module("progress.v1.progress_pb2_grpc"))
    finally:
        sys.path.remove(str(out))


def test_grpcio_then_progress_tracker_then_grpcio(daemon, job_name, stubs):
    import grpc

    pb2, pb2_grpc = stubs
    with grpc.insecure_channel(daemon.address) as channel:
        stub = pb2_grpc.ProgressTrackerStub(channel)
        # grpcio first: start the job and report as a client of its own.
        stub.StartJob(pb2.StartJobRequest(job=job_name, expected_total=500),
                      timeout=10)
        stub.Increment(iter([pb2.IncrementRequest(
            client_id="grpcio-side",
            jobs=[pb2.JobCounts(job=job_name, success=30, failure=3)])]),
            timeout=10)

        # Then the library, loaded only now, in the same process.
        with pt.Client(daemon.address) as client:
            job = client.job(job_name)
            job.add_success(200)
            job.add_failure(20)
            client.flush()
            ours = client.get_counts(job_name)
            info = client._get_counts_info(job_name)

        # And grpcio again, after the library's client came and went.
        theirs = stub.GetCounts(pb2.GetCountsRequest(job=job_name),
                                timeout=10).job

    assert (ours.success, ours.failure) == (230, 23)
    assert (theirs.success, theirs.failure) == (230, 23)
    assert ours.expected_total == theirs.expected_total == 500
    assert ours.clients == theirs.clients == 2
    assert theirs.created_time.ToNanoseconds() == info.created_time_ns
    assert theirs.last_update_time.ToNanoseconds() == info.last_update_time_ns


LIBRARY_FIRST = """
import sys
import progress_tracker as pt

address, job_name, out = sys.argv[1:]
with pt.Client(address) as client:
    client.job(job_name).add_success(8)
    client.flush()

    sys.path.insert(0, out)
    import grpc
    from progress.v1 import progress_pb2 as pb2, progress_pb2_grpc as pb2_grpc
    with grpc.insecure_channel(address) as channel:
        stub = pb2_grpc.ProgressTrackerStub(channel)
        seen = stub.GetCounts(pb2.GetCountsRequest(job=job_name), timeout=10)
        assert seen.job.success == 8, seen

    client.job(job_name).add_success(1)  # the library still works after
    client.flush()
    assert client.get_counts(job_name).success == 9
"""


def test_progress_tracker_then_grpcio(daemon, job_name, tmp_path):
    generate_stubs(tmp_path)
    result = run_python(LIBRARY_FIRST, [daemon.address, job_name,
                                        str(tmp_path)])
    assert result.returncode == 0, result.stderr
