"""examples/python/map_batches.py at a small size: without Ray it runs the
seed's process_batch over a fork-start multiprocessing pool; the driver's
ProgressReporter logs progress and the Final block, and the daemon's counts
equal what the workers processed."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import PROCESS_TIMEOUT, REPO, python_env

EXAMPLE = REPO / "examples" / "python" / "map_batches.py"


def test_the_example_runs_exactly(fresh_daemon) -> None:
    finished = subprocess.run(
        [sys.executable, str(EXAMPLE), "--records=20000", "--batch-size=500",
         "--workers=3", "--rounds=5", "--failure-rate=0.05", "--interval=0.2",
         f"--address={fresh_daemon.address}", "--job=example-small"],
        env=python_env(), capture_output=True, text=True,
        timeout=PROCESS_TIMEOUT)
    output = finished.stderr
    assert finished.returncode == 0, output
    assert re.search(r"INFO __main__: Progress: [\d,]+/20,000 \(", output)
    block = re.search(
        r"-{50}\nFinal: 20,000 total \| ([\d,]+) success \| ([\d,]+) "
        r"failure\nTime: [\d.]+s \| Rate: [\d,]+ rec/s\n-{50}", output)
    assert block, output
    success, failure = (int(text.replace(",", "")) for text in block.groups())
    assert success + failure == 20000
    # A 5 % failure rate over 20,000 records: about 1,000 failures.
    assert 700 < failure < 1300
    assert re.search(
        rf"ran on a multiprocessing pool; the workers processed {success} \+ "
        rf"{failure}, the daemon holds {success} \+ {failure}: exact", output)
