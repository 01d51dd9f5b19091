#!/usr/bin/env python3
"""One job spread over two daemons, as with the DaemonSet (one progressd per
node): a real Prometheus scrapes both through the pod-annotation scrape
config deploy/prometheus/kubernetes-pods.yml, and every per-job query of the
Grafana dashboard must give one series per job, labelled by job alone, whose
value is the total over both daemons (as each daemon's own /metrics says).

Debian's Prometheus has no Kubernetes discovery, so the test hands the
config's relabelling the targets pod discovery would: one per container port
of each pod, with the pod's prometheus.io/* annotations, plus a pod without
them that must be dropped. Everything else in the scrape config is used as
shipped.

  dashboard_daemons_test.py SOURCE_DIR PROGRESSD BATCH_JOB_DRIVER PACED_WORKER
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

JOBS = ("split", "solo")
DRIVER_RECORDS = 600  # The driver's job on daemon A: also its expected total.
PACED = {"split": (40, 10), "solo": (5, 10)}  # On daemon B: per tick, ticks.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    sys.exit(f"FAIL: {what} within {timeout}s")


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


class Daemon:
    def __init__(self, progressd, work, name):
        self.name = name
        port_file = os.path.join(work, f"{name}.port")
        metrics_file = os.path.join(work, f"{name}.metrics_port")
        self.process = subprocess.Popen([
            progressd, "--listen=127.0.0.1:0", f"--port_file={port_file}",
            "--metrics_listen=127.0.0.1:0",
            f"--metrics_port_file={metrics_file}", "--log_level=warn"])
        wait_for(f"progressd {name} to start",
                 lambda: os.path.exists(port_file) and os.path.getsize(port_file))
        self.grpc_port = int(open(port_file).read())
        self.metrics_port = int(open(metrics_file).read())
        self.address = f"127.0.0.1:{self.grpc_port}"

    def samples(self):
        """{(metric, job): value} from the daemon's own /metrics."""
        samples = {}
        text = get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        for metric, job, value in re.findall(
                r'^(progress_tracker_\w+)\{job="([^"]*)"\} (\S+)$', text, re.M):
            samples[(metric, job)] = float(value)
        return samples


def discovered_pods(daemons):
    """What Kubernetes pod discovery would hand the scrape config."""
    targets = []
    for daemon in daemons:
        labels = {
            "__meta_kubernetes_namespace": "ray",
            "__meta_kubernetes_pod_name": f"progressd-{daemon.name}",
            "__meta_kubernetes_pod_node_name": f"node-{daemon.name}",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_port":
                str(daemon.metrics_port),
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
        }
        for port in (daemon.grpc_port, daemon.metrics_port):
            targets.append({"targets": [f"127.0.0.1:{port}"],
                            "labels": labels})
    targets.append({"targets": ["127.0.0.1:1"], "labels": {
        "__meta_kubernetes_namespace": "ray",
        "__meta_kubernetes_pod_name": "ray-worker"}})
    return targets


def main():
    source_dir, progressd, driver, paced_worker = sys.argv[1:5]
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        subprocess.run([os.path.join(source_dir, "scripts", "install-deps.sh"),
                        "--with-test-tools"], check=True)
        prometheus = shutil.which("prometheus")
    dashboard = json.load(open(os.path.join(
        source_dir, "deploy", "grafana", "progress-tracker.json")))
    config = yaml.safe_load(open(os.path.join(
        source_dir, "deploy", "prometheus", "kubernetes-pods.yml")))

    processes = []
    work = tempfile.mkdtemp()
    try:
        daemons = [Daemon(progressd, work, "a"), Daemon(progressd, work, "b")]
        processes += [d.process for d in daemons]

        config["global"]["scrape_interval"] = "1s"
        for job in config["scrape_configs"]:
            job.pop("kubernetes_sd_configs")
            job["static_configs"] = discovered_pods(daemons)
        config_path = os.path.join(work, "prometheus.yml")
        yaml.safe_dump(config, open(config_path, "w"))
        port = free_port()
        api = f"http://127.0.0.1:{port}/api/v1"
        processes.append(subprocess.Popen(
            [prometheus, f"--config.file={config_path}",
             f"--storage.tsdb.path={os.path.join(work, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(
                os.path.join(work, "prometheus.log"), "w")))

        def ready():
            try:
                get(f"http://127.0.0.1:{port}/-/ready")
                return True
            except OSError:
                return False
        wait_for("Prometheus to be ready", ready)

        # Part of "split" through daemon A, by the demo driver (which starts
        # the job with its total and finishes it there); the rest of "split"
        # and all of "solo" through daemon B.
        subprocess.run([driver, f"--server={daemons[0].address}", "--job=split",
                        f"--records={DRIVER_RECORDS}", "--workers=2",
                        "--rounds=1"], check=True, stdout=subprocess.DEVNULL)
        environment = dict(os.environ,
                           PROGRESS_TRACKER_ADDRESS=daemons[1].address)
        for job, (per_tick, ticks) in PACED.items():
            subprocess.run([paced_worker, job, str(per_tick), str(ticks), "20"],
                           check=True, env=environment,
                           stdout=subprocess.DEVNULL)

        per_daemon = [d.samples() for d in daemons]

        def total(metric, job, how=sum):
            values = [s[(metric, job)] for s in per_daemon
                      if (metric, job) in s]
            return how(values) if values else None

        def query(expression):
            url = f"{api}/query?" + urllib.parse.urlencode(
                {"query": expression})
            body = json.loads(get(url))
            return {tuple(sorted(r["metric"].items())): float(r["value"][1])
                    for r in body["data"]["result"]}

        # Prometheus has caught up once it holds both daemons' last values.
        def caught_up():
            result = query("sum by (job) (progress_tracker_success_total)")
            return all(result.get((("job", job),)) ==
                       total("progress_tracker_success_total", job)
                       for job in JOBS)
        wait_for("Prometheus to hold both daemons' counts", caught_up)

        targets = json.loads(get(f"{api}/targets"))["data"]
        active = sorted(t["labels"]["pod"] for t in targets["activeTargets"])
        if active != ["progressd-a", "progressd-b"]:
            sys.exit(f"FAIL: scrape targets {active}, not one per progressd "
                     "pod (the annotated port, each pod once)")
        if not targets["droppedTargets"]:
            sys.exit("FAIL: the pod without prometheus.io/scrape was not "
                     "dropped")

        expected = {}
        for job in JOBS:
            success = total("progress_tracker_success_total", job)
            failure = total("progress_tracker_failure_total", job)
            expected[("success_total", job)] = success
            expected[("failure_total", job)] = failure
            expected[("job_clients", job)] = total(
                "progress_tracker_job_clients", job)
            expected[("job_done", job)] = total(
                "progress_tracker_job_done", job, max)
            expected[("ratio", job)] = failure / max(success + failure, 1)
            known = total("progress_tracker_expected_records", job, max)
            if known:
                expected[("progress", job)] = 100 * (success + failure) / known
        for daemon, samples in zip(daemons, per_daemon):
            if not samples.get(("progress_tracker_success_total", "split")):
                sys.exit(f"FAIL: daemon {daemon.name} holds none of job split")

        checked = 0
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                expression = target["expr"]
                if "$job" not in expression:
                    continue
                where = f"panel {panel['title']!r}: {expression}"
                # rate() needs two scrapes of the final values.
                result = wait_for(f"{where} to return series", lambda: query(
                    expression.replace("$job", "|".join(JOBS))), timeout=30)
                for labels, value in result.items():
                    if [name for name, _ in labels] != ["job"]:
                        sys.exit(f"FAIL: {where} gives a series labelled "
                                 f"{dict(labels)}: it must sum over daemons "
                                 "and keep only job")
                    job = labels[0][1]
                    metrics = set(re.findall(r"progress_tracker_(\w+)",
                                             expression))
                    if "expected_records" in metrics:
                        key = "progress"
                    elif "rate(" in expression or metrics == {
                            "records_per_sec"}:
                        key = None  # Moves with time: the labels are checked.
                    elif len(metrics) > 1:
                        key = "ratio"
                    else:
                        key = metrics.pop()
                    if key is None:
                        continue
                    want = expected.get((key, job))
                    if want is None or abs(value - want) > 1e-9 * max(1, want):
                        sys.exit(f"FAIL: {where} gives {value} for {job}; both "
                                 f"daemons' own /metrics add up to {want}")
                    checked += 1
        daemons_scraped = query("count(progress_tracker_start_time_seconds)")
        if list(daemons_scraped.values()) != [2.0]:
            sys.exit(f"FAIL: count of daemons is {daemons_scraped}, not 2")
        print(f"dashboard: {checked} per-job values equal the sum over both "
              f"daemons (split: {expected[('success_total', 'split')]:.0f} "
              f"success, {expected[('failure_total', 'split')]:.0f} failure, "
              f"{expected[('progress', 'split')]:.1f}%); 2 daemons scraped "
              "through the pod-annotation config")
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
