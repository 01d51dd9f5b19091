#!/usr/bin/env python3
"""The seed's Ray Data pipeline, reporting to progressd through progress_tracker.

A `process_batch(batch)` function, as Ray Data's `map_batches` calls it,
processes each record, counts its successes and failures and reports them;
the driver starts the job with its expected total and logs progress with a
ProgressReporter thread, then the Final block.

With Ray installed (`import ray` works) the batches run as Ray Data
`map_batches` tasks; without it, the same `process_batch` runs over a
`multiprocessing` pool (fork start method) with the same batching. Either
way the workers need only PROGRESS_TRACKER_ADDRESS.

    progressd --listen=127.0.0.1:50051 &
    PROGRESS_TRACKER_ADDRESS=127.0.0.1:50051 python3 map_batches.py --records=100000
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import multiprocessing
import os
import sys
from functools import partial
from typing import Any, Dict, Iterable, List

import progress_tracker

logger = logging.getLogger(__name__)


def process_record(record_id: int, rounds: int, failure_rate: float) -> bool:
    """Stands in for real work on one record: `rounds` of hashing. A record
    fails when its digest falls below `failure_rate`, so the same records
    fail on every run."""
    digest = hashlib.blake2b(str(record_id).encode(), digest_size=8)
    for _ in range(rounds):
        digest = hashlib.blake2b(digest.digest(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") / 2**64 >= failure_rate


def process_batch(batch: Dict[str, Any], job_name: str, rounds: int,
                  failure_rate: float) -> Dict[str, List[Any]]:
    """A map_batches function: processes each record of `batch["id"]`,
    reports how many succeeded and failed, and returns each record's result.

    Counting costs one C call per batch and never blocks; the flush at the
    end waits for the daemon to confirm this batch's counts, so a finished
    batch is a counted one even if the worker process is reused for other
    work or killed right after (Pool.terminate(), Ray scaling down). The
    tracker never fails a batch: if the daemon cannot confirm in time, the
    counts stay with the client, which keeps sending them while the process
    lives. (A batch Ray retries after it reported is counted twice: report
    from idempotent work, or give retried tasks a job of their own.)
    """
    client = progress_tracker.default_client()
    job = client.job(job_name)
    ids = [int(record_id) for record_id in batch["id"]]
    results = [process_record(record_id, rounds, failure_rate)
               for record_id in ids]
    succeeded = sum(results)
    job.add_success(succeeded)
    job.add_failure(len(results) - succeeded)
    try:
        client.flush(timeout=10.0)
    except progress_tracker.ProgressError as error:
        logger.warning("batch of %d records not yet confirmed by progressd: "
                       "%s", len(ids), error)
    return {"id": ids, "ok": results}


def run_with_ray(args: argparse.Namespace, work: Any) -> Iterable[Dict]:
    import ray  # pylint: disable=import-outside-toplevel

    ray.init(runtime_env={"env_vars": {
        "PROGRESS_TRACKER_ADDRESS": os.environ["PROGRESS_TRACKER_ADDRESS"]}})
    dataset = ray.data.range(args.records).map_batches(
        work, batch_size=args.batch_size)
    return dataset.iter_batches(batch_size=args.batch_size)


def run_with_pool(args: argparse.Namespace, work: Any) -> Iterable[Dict]:
    batches = ({"id": range(start, min(start + args.batch_size, args.records))}
               for start in range(0, args.records, args.batch_size))
    context = multiprocessing.get_context("fork")
    with context.Pool(args.workers) as pool:
        yield from pool.imap_unordered(work, batches)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The seed's map_batches job, tracked by progressd.")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=4,
                        help="pool processes (without Ray)")
    parser.add_argument("--rounds", type=int, default=100,
                        help="hashing rounds per record: the work's weight")
    parser.add_argument("--failure-rate", type=float, default=0.01)
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between progress lines")
    parser.add_argument("--job", default="map-batches-demo")
    parser.add_argument("--address", default=None,
                        help="progressd's host:port (default: "
                             "$PROGRESS_TRACKER_ADDRESS, else 127.0.0.1:50051)")
    parser.add_argument("--no-ray", action="store_true",
                        help="use the multiprocessing pool even if Ray is "
                             "installed")
    args = parser.parse_args()
    if args.records <= 0 or args.batch_size <= 0 or args.workers <= 0:
        parser.error("--records, --batch-size and --workers must be positive")
    return args


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.address:
        os.environ["PROGRESS_TRACKER_ADDRESS"] = args.address
    os.environ.setdefault("PROGRESS_TRACKER_ADDRESS", "127.0.0.1:50051")
    try:
        import ray  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        use_ray = not args.no_ray
    except ImportError:
        use_ray = False

    client = progress_tracker.default_client()
    client.start_job(args.job, expected_total=args.records)
    work = partial(process_batch, job_name=args.job, rounds=args.rounds,
                   failure_rate=args.failure_rate)
    succeeded = failed = 0
    with progress_tracker.ProgressReporter(args.job, interval=args.interval,
                                           logger=logger):
        run = run_with_ray if use_ray else run_with_pool
        for result in run(args, work):
            ok = sum(bool(flag) for flag in result["ok"])
            succeeded += ok
            failed += len(result["ok"]) - ok
        client.finish_job(args.job)

    counts = client.get_counts(args.job)
    exact = (counts.success, counts.failure) == (succeeded, failed)
    logger.info("ran on %s; the workers processed %d + %d, the daemon holds "
                "%d + %d: %s", "Ray Data" if use_ray else "a multiprocessing "
                "pool", succeeded, failed, counts.success, counts.failure,
                "exact" if exact else "MISMATCH")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
