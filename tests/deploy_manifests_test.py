#!/usr/bin/env python3
"""Tests of the deployment files under deploy/ (Kubernetes manifests, systemd
unit, Prometheus scrape configs), run by CTest:

  deploy_manifests_test.py MODE --progressd P --reporter R --source-dir S

MODE
  consistent        the files as they are pass deploy_check.py, and each
                    progressd command line in them starts, serves /metrics
                    at the annotated path and stops on its stop signal;
  broken-manifests  copies of deploy/ broken on purpose at test time (a
                    misspelled flag, a wrong probe port, a wrong Service
                    targetPort, an unknown client variable, ...) are each
                    rejected by deploy_check.py with the expected message;
  systemd           systemd-analyze verify accepts the unit (the build's
                    progressd substituted for /usr/local/bin/progressd) without
                    a single warning, and systemd-analyze security scores it
                    at most MAX_EXPOSURE;
  broken-systemd    broken copies of the unit are rejected by the same.
The systemd modes exit 77 (skipped) without systemd-analyze.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_check  # noqa: E402

import yaml  # noqa: E402  (deploy_check reports it missing clearly)

SKIP = 77
# systemd-analyze security's exposure scale is 0.0-10.0; --threshold takes
# tenths. The unit scores 1.1 with systemd 252.
MAX_EXPOSURE = 1.5
INSTALLED_PROGRESSD = "/usr/local/bin/progressd"


def text_edit(old, new, occurrence=1):
    """Replaces the occurrence-th `old` outside comments (which must be
    there) with `new`."""
    def edit(text):
        index = -1
        for _ in range(occurrence):
            index = text.find(old, index + 1)
            while index >= 0 and "#" in text[text.rfind("\n", 0, index) + 1:
                                             index]:
                index = text.find(old, index + 1)
            if index < 0:
                raise AssertionError(
                    f"the test's edit no longer applies: {old!r} "
                    f"(occurrence {occurrence}) is not in the file")
        return text[:index] + new + text[index + len(old):]
    return edit


def yaml_edit(function):
    """Edits the file's documents as data (comments are lost)."""
    def edit(text):
        documents = list(yaml.safe_load_all(text))
        function(documents)
        return yaml.safe_dump_all(documents, sort_keys=False)
    return edit


def container(documents, kind, name):
    """The named container of the first document of this kind."""
    document = next(d for d in documents if d["kind"] == kind)
    if kind == "RayCluster":
        templates = [document["spec"]["headGroupSpec"]["template"]] + [
            g["template"] for g in document["spec"]["workerGroupSpecs"]]
    else:
        templates = [document["spec"]["template"]]
    for template in templates:
        for entry in template["spec"]["containers"]:
            if entry["name"] == name:
                return entry
    raise AssertionError(f"no container {name} in {kind}")


def delete_key(kind, name, key):
    return yaml_edit(lambda docs: container(docs, kind, name).pop(key))


def drop_port(kind, name, port_name):
    def edit(documents):
        entry = container(documents, kind, name)
        entry["ports"] = [p for p in entry["ports"] if p["name"] != port_name]
    return yaml_edit(edit)


def put_progressd_first(documents):
    containers = documents[0]["spec"]["headGroupSpec"]["template"]["spec"][
        "containers"]
    containers.reverse()


def use_host_ip_before_defining_it(documents):
    entry = container(documents, "RayCluster", "ray-worker")
    entry["env"].reverse()


def reporter_job(arguments):
    """Adds a Job that runs progress-reporter with these arguments."""
    def edit(documents):
        documents.append({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "follow-nightly"},
            "spec": {"template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{
                    "name": "reporter",
                    "image": "ghcr.io/example/progress-tracker:0.1.0",
                    "command": ["progress-reporter"],
                    "args": arguments}]}}}})
    return yaml_edit(edit)


SIDECAR = "k8s/sidecar/raycluster.yaml"
SIDECAR_MONITOR = "k8s/sidecar/podmonitor.yaml"
NODES = "k8s/daemonset/progressd.yaml"
NODES_RAY = "k8s/daemonset/raycluster.yaml"
NODES_MONITOR = "k8s/daemonset/podmonitor.yaml"
UNIT = "systemd/progressd.service"
UNIT_ENV = "systemd/progressd.default"
GOOD_REPORTER = ["--server=batch-progressd:50051", "--job=nightly",
                 "--until_done"]

# (what is broken, file under deploy/, edit or None to delete the file,
#  pattern the checker's report must contain)
BROKEN_MANIFESTS = [
    # Flags.
    ("misspelled progressd flag", SIDECAR,
     text_edit("--metrics_listen=0.0.0.0:9464", "--metrics_listn=0.0.0.0:9464"),
     r"unknown flag --metrics_listn for progressd: progressd --helpfull does "
     r"not list it \(did you mean --metrics_listen\?\)"),
    ("flag value progressd cannot parse", NODES,
     text_edit("--shutdown_grace=10s", "--shutdown_grace=ten"),
     r"progressd rejects its arguments .*Illegal value 'ten' specified for "
     r"flag 'shutdown_grace'"),
    ("a help flag in the daemon's arguments", NODES,
     text_edit("- --log_level=info", "- --helpfull"),
     r"--helpfull makes progressd print and exit"),
    ("misspelled progress-reporter flag", SIDECAR,
     reporter_job(GOOD_REPORTER[:2] + ["--until_dne"]),
     r"Job/follow-nightly .*unknown flag --until_dne for progress-reporter"),
    # Ports: container, probes, Services, annotations, PodMonitors.
    ("--listen port differs from the containerPort", NODES,
     text_edit("--listen=0.0.0.0:50051", "--listen=0.0.0.0:50061"),
     r"containerPort 50051 \(tracker-grpc\) is not a port progressd listens "
     r"on \(gRPC 50061 from --listen"),
    ("daemon listens on loopback in a pod", SIDECAR,
     text_edit("--listen=0.0.0.0:50051", "--listen=127.0.0.1:50051"),
     r"--listen=127.0.0.1:50051 listens on loopback"),
    ("metrics port not declared", NODES,
     drop_port("DaemonSet", "progressd", "tracker-metrics"),
     r"no containerPort for port 9464 \(--metrics_listen=0.0.0.0:9464\)"),
    ("wrong readiness probe port", SIDECAR,
     text_edit("readinessProbe:\n              grpc:\n                port: 50051",
               "readinessProbe:\n              grpc:\n                port: 50052"),
     r"container progressd: readinessProbe grpc port 50052 is not the gRPC "
     r"port 50051 \(--listen=0.0.0.0:50051\)"),
    ("liveness probe on the metrics port", NODES,
     text_edit("livenessProbe:\n            grpc:\n              port: 50051",
               "livenessProbe:\n            grpc:\n              port: 9464"),
     r"livenessProbe grpc port 9464 is not the gRPC port 50051"),
    ("probe asks about a service progressd does not report", NODES,
     text_edit("service: progress.v1.ProgressTracker",
               "service: progress.ProgressTracker"),
     r"readinessProbe asks gRPC health about service "
     r"'progress.ProgressTracker'"),
    ("no liveness probe", SIDECAR,
     delete_key("RayCluster", "progressd", "livenessProbe"),
     r"container progressd: no livenessProbe"),
    ("wrong Service targetPort (name)", SIDECAR,
     text_edit("targetPort: tracker-grpc", "targetPort: tracker-rpc"),
     r"Service/batch-progressd: port tracker-grpc: targetPort 'tracker-rpc' "
     r"is not a containerPort"),
    ("wrong Service targetPort (number)", NODES,
     text_edit("targetPort: tracker-metrics", "targetPort: 9465"),
     r"Service/progressd-nodes: port tracker-metrics: targetPort 9465 is not "
     r"a containerPort"),
    ("Service's gRPC port sent to /metrics", SIDECAR,
     text_edit("targetPort: tracker-grpc", "targetPort: tracker-metrics"),
     r"port tracker-grpc \(tracker-grpc grpc\) targets the metrics port 9464"),
    ("Service selects the workers, not the head", SIDECAR,
     text_edit("    ray.io/node-type: head", "    ray.io/node-type: worker"),
     r"Service/batch-progressd: selects pods without progressd"),
    ("headless Service made a ClusterIP one", NODES,
     text_edit("  clusterIP: None\n", ""),
     r"no headless Service \(clusterIP: None\) reaches its gRPC port"),
    ("wrong prometheus.io/port annotation", NODES,
     text_edit('prometheus.io/port: "9464"', 'prometheus.io/port: "9465"'),
     r"annotation prometheus.io/port is '9465', not '9464'"),
    ("wrong prometheus.io/path annotation", SIDECAR,
     text_edit("prometheus.io/path: /metrics", "prometheus.io/path: /stats"),
     r"annotation prometheus.io/path is '/stats', not '/metrics'"),
    ("PodMonitor scrapes Ray's metrics port", SIDECAR_MONITOR,
     text_edit("- port: tracker-metrics", "- port: metrics"),
     r"PodMonitor/batch-progressd: port 'metrics' .* is container ray-head's "
     r"8080, not progressd's metrics port"),
    ("PodMonitor without honorLabels", NODES_MONITOR,
     text_edit("honorLabels: true", "honorLabels: false"),
     r"honorLabels must be true"),
    ("PodMonitor selects nothing", NODES_MONITOR,
     text_edit("app.kubernetes.io/component: node-daemon",
               "app.kubernetes.io/component: node"),
     r"PodMonitor/progressd-nodes: selector .* matches no pod template"),
    ("no PodMonitor for the sidecar", SIDECAR_MONITOR, None,
     r"RayCluster/batch head pod: no PodMonitor in its folder scrapes it"),
    ("two containers name a port the same", SIDECAR,
     text_edit("- name: tracker-metrics\n                containerPort: 9464",
               "- name: metrics\n                containerPort: 9464"),
     r"port name metrics is also used by container"),
    # Workers' environment and where it points.
    ("unknown client variable", SIDECAR,
     text_edit("- name: PROGRESS_TRACKER_ADDRESS\n                  value: "
               "\"batch-progressd:50051\"",
               "- name: PROGRESS_TRACKER_ADRESS\n                  value: "
               "\"batch-progressd:50051\""),
     r"container ray-worker: PROGRESS_TRACKER_ADRESS is not an environment "
     r"variable the client library reads \(did you mean "
     r"PROGRESS_TRACKER_ADDRESS\?\)"),
    ("workers pointed at a port the Service lacks", SIDECAR,
     text_edit('"batch-progressd:50051"', '"batch-progressd:50052"'),
     r"PROGRESS_TRACKER_ADDRESS=batch-progressd:50052: Service batch-progressd "
     r"has no port 50052"),
    ("workers pointed at a Service that does not exist", SIDECAR,
     text_edit('"batch-progressd:50051"', '"batch-progress:50051"'),
     r"no Service named batch-progress in sidecar/"),
    ("head pointed at the wrong loopback port", SIDECAR,
     text_edit('"127.0.0.1:50051"', '"127.0.0.1:50052"'),
     r"container ray-head: PROGRESS_TRACKER_ADDRESS=127.0.0.1:50052: no "
     r"progressd in this pod listens on 50052"),
    ("workers pointed at a node port nothing publishes", NODES_RAY,
     text_edit('"$(HOST_IP):50051"', '"$(HOST_IP):50052"', occurrence=2),
     r"container ray-worker: PROGRESS_TRACKER_ADDRESS=\$\(HOST_IP\):50052: no "
     r"progressd DaemonSet publishes its gRPC port on the node as 50052"),
    ("DaemonSet without its hostPort", NODES,
     text_edit("              hostPort: 50051\n", ""),
     r"publishes its gRPC port on the node as 50051 \(hostPorts: none\)"),
    ("HOST_IP taken from the pod IP", NODES_RAY,
     text_edit("fieldPath: status.hostIP", "fieldPath: status.podIP"),
     r"container ray-head: PROGRESS_TRACKER_ADDRESS=\$\(HOST_IP\):50051: no "
     r"progressd in this pod listens on 50051"),
    ("HOST_IP defined after its use", NODES_RAY,
     yaml_edit(use_host_ip_before_defining_it),
     r"\$\(HOST_IP\) is not defined before PROGRESS_TRACKER_ADDRESS"),
    ("reporter pointed at the metrics port", SIDECAR,
     reporter_job(["--server=batch-progressd:9464", "--job=nightly"]),
     r"--server=batch-progressd:9464: Service batch-progressd port 9464 does "
     r"not lead to progressd's gRPC port"),
    # Shutdown, security, resources.
    ("grace period shorter than the daemon's shutdown", SIDECAR,
     text_edit("terminationGracePeriodSeconds: 30",
               "terminationGracePeriodSeconds: 8"),
     r"terminationGracePeriodSeconds 8 is shorter than progressd's shutdown"),
    ("writable root filesystem", NODES,
     text_edit("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"),
     r"securityContext.readOnlyRootFilesystem is False, not True"),
    ("runs as root", NODES,
     text_edit("runAsUser: 65532", "runAsUser: 0"),
     r"securityContext.runAsUser is 0, not 65532"),
    ("capabilities not dropped", SIDECAR,
     text_edit('drop: ["ALL"]', 'drop: ["NET_RAW"]'),
     r"capabilities.drop must hold ALL"),
    ("no resources", NODES,
     delete_key("DaemonSet", "progressd", "resources"),
     r"resources.requests.cpu is not set"),
    # Kinds and shapes.
    ("DaemonSet under a retired apiVersion", NODES,
     text_edit("apiVersion: apps/v1", "apiVersion: apps/v1beta2"),
     r"apiVersion apps/v1beta2 does not serve DaemonSet \(use apps/v1\)"),
    ("RayCluster under an apiVersion KubeRay lacks", SIDECAR,
     text_edit("apiVersion: ray.io/v1", "apiVersion: ray.io/v2"),
     r"apiVersion ray.io/v2 does not serve RayCluster"),
    ("misspelled kind", NODES_MONITOR,
     text_edit("kind: PodMonitor", "kind: PodMonitr"),
     r"unknown kind PodMonitr"),
    ("progressd first in the head pod", SIDECAR,
     yaml_edit(put_progressd_first),
     r"KubeRay takes the first container for Ray's own; progressd runs "
     r"progressd"),
    ("broken YAML", NODES,
     lambda text: text + "\n  broken: [\n",
     r"progressd.yaml: is not valid YAML"),
    # Prometheus scrape configs (and the unit they scrape).
    ("static scrape target off the unit's --metrics_listen",
     "prometheus/prometheus.yml",
     text_edit('"127.0.0.1:9464"', '"127.0.0.1:9465"'),
     r"target 127.0.0.1:9465 is not where the systemd unit's progressd serves "
     r"/metrics \(--metrics_listen=127.0.0.1:9464\)"),
    ("pod scrape config without honor_labels",
     "prometheus/kubernetes-pods.yml",
     text_edit("honor_labels: true", "honor_labels: false"),
     r"job progressd-pods: honor_labels must be true"),
    ("pod scrape config ignores the port annotation",
     "prometheus/kubernetes-pods.yml",
     text_edit("__meta_kubernetes_pod_annotation_prometheus_io_port]",
               "__meta_kubernetes_pod_annotation_prometheus_io_ports]"),
     r"does not use the pods' prometheus.io/port annotation"),
    # systemd unit, as deploy_check.py reads it.
    ("misspelled flag in the unit's ExecStart", UNIT,
     text_edit("--shutdown_grace=10s", "--shutdown_grac=10s"),
     r"progressd.service: ExecStart: unknown flag --shutdown_grac for "
     r"progressd"),
    ("misspelled flag in the unit's EnvironmentFile", UNIT_ENV,
     text_edit("PROGRESSD_FLAGS=\n", 'PROGRESSD_FLAGS="--finished_job_tt=1h"\n'),
     r"unknown flag --finished_job_tt for progressd"),
    ("TimeoutStopSec shorter than the daemon's shutdown", UNIT,
     text_edit("TimeoutStopSec=20s", "TimeoutStopSec=8s"),
     r"TimeoutStopSec=8s is shorter than progressd's shutdown"),
    ("stop signal progressd does not handle", UNIT,
     text_edit("KillSignal=SIGTERM", "KillSignal=SIGKILL"),
     r"KillSignal=SIGKILL: progressd shuts down cleanly on SIGTERM or SIGINT "
     r"only"),
    ("sandbox directive dropped", UNIT,
     text_edit("NoNewPrivileges=yes\n", ""),
     r"NoNewPrivileges=\(unset\), not NoNewPrivileges=yes"),
]

# Found only by starting the daemon: the flag parses, progressd refuses it.
BROKEN_AT_START = [
    ("log level progressd does not know", NODES,
     text_edit("--log_level=info", "--log_level=verbose"),
     r"progressd did not start with .*--log_level=verbose.*unknown level "
     r"'verbose'"),
]

# Found by promtool, when it is installed (Debian's prometheus package).
BROKEN_FOR_PROMTOOL = [
    ("relabel regex that does not compile", "prometheus/kubernetes-pods.yml",
     text_edit(r"regex: ([^:]+)(?::\d+)?;(\d+)", r"regex: ([^:]+(?::\d+)?;(\d+)"),
     r"kubernetes-pods.yml: promtool check config fails: .*"
     r"(error parsing regexp|missing closing)"),
]


def checker_inputs(deploy):
    return dict(k8s=os.path.join(deploy, "k8s"),
                systemd=os.path.join(deploy, UNIT),
                systemd_environment=os.path.join(deploy, UNIT_ENV),
                prometheus=os.path.join(deploy, "prometheus"))


def run_broken(cases, options, programs, sources, run_daemons=False):
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for number, (what, relative, edit, expected) in enumerate(cases):
            deploy = os.path.join(work, f"case{number}")
            shutil.copytree(os.path.join(options.source_dir, "deploy"), deploy)
            path = os.path.join(deploy, relative)
            try:
                if edit is None:
                    os.remove(path)
                else:
                    original = open(path, encoding="utf-8").read()
                    changed = edit(original)
                    assert changed != original, "the edit changed nothing"
                    open(path, "w", encoding="utf-8").write(changed)
            except AssertionError as error:
                print(f"FAIL  {what}: {error}")
                failures += 1
                continue
            problems, _ = deploy_check.run_checks(
                *programs, sources, run_daemons=run_daemons,
                **checker_inputs(deploy))
            caught = [p for p in problems if re.search(expected, p)]
            if caught:
                print(f"caught  {what}:\n        {caught[0]}")
            else:
                print(f"FAIL  {what}: no problem matching /{expected}/; "
                      f"deploy_check said: {problems or 'nothing'}")
                failures += 1
    return failures


def consistent(options, programs, sources):
    problems, checked = deploy_check.run_checks(
        *programs, sources, run_daemons=True,
        **checker_inputs(os.path.join(options.source_dir, "deploy")))
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        return 1
    print(f"ok: {checked}")
    return 0


HELPER_SOURCE = """
constexpr char kTlsEnv[] = "PROGRESS_TRACKER_TLS_CA";
void FillFromEnv(const char* name, std::string* field) {
  if (field->empty()) {
    const char* value = std::getenv(name);
  }
}
void Fill(Options* given) {
  FillFromEnv(kTlsEnv, &given->ca);
  FillFromEnv("PROGRESS_TRACKER_TLS_KEY", &given->key);
}
"""


def client_variables_found():
    """The client's variables are found however its sources read them: a
    literal, a constant, a helper's parameter; and what cannot be followed
    stops the check instead of passing unnoticed."""
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        internal = os.path.join(work, "client", "internal")
        os.makedirs(internal)
        with open(os.path.join(internal, "security.cc"), "w") as out:
            out.write(HELPER_SOURCE + 'auto a = std::getenv("PROGRESS_X");\n')
        found = deploy_check.Sources(work).client_env
        want = {"PROGRESS_TRACKER_TLS_CA", "PROGRESS_TRACKER_TLS_KEY",
                "PROGRESS_X"}
        if found != want:
            print(f"FAIL  client variables: found {sorted(found)}, not "
                  f"{sorted(want)}")
            failures += 1
        else:
            print(f"passes  client variables read through a helper: "
                  f"{sorted(found)}")
        with open(os.path.join(internal, "security.cc"), "a") as out:
            out.write("auto b = std::getenv(buffer.c_str());\n")
        try:
            deploy_check.Sources(work)
            print("FAIL  getenv(buffer.c_str()) was not reported")
            failures += 1
        except SystemExit as stop:
            print(f"caught  a getenv() that cannot be followed:\n        {stop}")
    return failures


def broken_manifests(options, programs, sources):
    # The unchanged copy passes, and so does a reporter Job written right:
    # what the broken copies trip on is their edit, nothing else.
    baseline = [("unchanged copy", SIDECAR, lambda text: text + "\n", None),
                ("a correct reporter Job", SIDECAR, reporter_job(GOOD_REPORTER),
                 None)]
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for number, (what, relative, edit, _) in enumerate(baseline):
            deploy = os.path.join(work, f"base{number}")
            shutil.copytree(os.path.join(options.source_dir, "deploy"), deploy)
            path = os.path.join(deploy, relative)
            changed = edit(open(path, encoding="utf-8").read())
            open(path, "w", encoding="utf-8").write(changed)
            problems, _ = deploy_check.run_checks(*programs, sources,
                                                  **checker_inputs(deploy))
            if problems:
                print(f"FAIL  {what} is rejected: {problems}")
                failures += 1
            else:
                print(f"passes  {what}")
    failures += client_variables_found()
    failures += run_broken(BROKEN_MANIFESTS, options, programs, sources)
    failures += run_broken(BROKEN_AT_START, options, programs, sources,
                           run_daemons=True)
    if shutil.which("promtool"):
        failures += run_broken(BROKEN_FOR_PROMTOOL, options, programs, sources)
    else:
        print("skipped promtool cases: promtool is not installed")
    total = len(BROKEN_MANIFESTS) + len(BROKEN_AT_START) + (
        len(BROKEN_FOR_PROMTOOL) if shutil.which("promtool") else 0)
    print(f"{total - failures} of {total} broken copies rejected as expected"
          if failures else f"all {total} broken copies rejected as expected")
    return 1 if failures else 0


# --- systemd-analyze -------------------------------------------------------------

def unit_copy(work, text, progressd):
    """The unit with the build's progressd, in a folder of its own."""
    folder = tempfile.mkdtemp(dir=work)
    path = os.path.join(folder, "progressd.service")
    with open(path, "w", encoding="utf-8") as out:
        out.write(text.replace(INSTALLED_PROGRESSD, progressd))
    return path


def analyze(tool, path):
    """Problems systemd-analyze finds: verify's errors and every warning
    about this unit (verify exits 0 on unknown keys and bad values), and an
    exposure above MAX_EXPOSURE."""
    problems = []
    verify = subprocess.run([tool, "verify", path], capture_output=True,
                            text=True, timeout=120)
    lines = [l for l in (verify.stdout + verify.stderr).splitlines()
             if l.strip()]
    about_unit = [l for l in lines if path in l or "progressd.service" in l]
    if verify.returncode != 0 or about_unit:
        problems.append(f"systemd-analyze verify (exit {verify.returncode}): "
                        + " | ".join(about_unit or lines))
    for line in lines:
        if line not in about_unit:
            print(f"note: systemd-analyze verify: {line}")
    security = subprocess.run(
        [tool, "security", "--offline=true",
         f"--threshold={int(round(MAX_EXPOSURE * 10))}", path],
        capture_output=True, text=True, timeout=120)
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)",
                      security.stdout)
    if score is None:
        problems.append("systemd-analyze security gave no score: "
                        + security.stdout[-500:] + security.stderr[-500:])
    elif security.returncode != 0:
        problems.append(f"systemd-analyze security: exposure {score.group(1)} "
                        f"{score.group(2)} is above {MAX_EXPOSURE}")
    return problems, score.group(0) if score else None


def systemd_tool():
    tool = shutil.which("systemd-analyze")
    if tool is None:
        print("skipped: systemd-analyze is not installed")
    return tool


def systemd(options):
    tool = systemd_tool()
    if tool is None:
        return SKIP
    unit = os.path.join(options.source_dir, "deploy", UNIT)
    text = open(unit, encoding="utf-8").read()
    if INSTALLED_PROGRESSD not in text:
        print(f"FAIL  {unit} does not run {INSTALLED_PROGRESSD}, where "
              "`cmake --install` puts progressd")
        return 1
    with tempfile.TemporaryDirectory() as work:
        problems, score = analyze(tool, unit_copy(work, text, options.progressd))
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        return 1
    print(f"ok: systemd-analyze verify has nothing to say; security: {score}")
    return 0


BROKEN_UNITS = [
    ("misspelled directive", text_edit("ProtectSystem=strict",
                                       "ProtectSytem=strict"),
     r"Unknown key.*ProtectSytem"),
    ("value systemd cannot parse", text_edit("ProtectHome=yes",
                                             "ProtectHome=yess"),
     r"Failed to parse .*yess"),
    ("unknown system call group",
     text_edit("SystemCallFilter=@system-service",
               "SystemCallFilter=@system-servic"),
     r"Unknown system call group.*@system-servic"),
    ("ExecStart binary that does not exist",
     lambda text: text.replace(INSTALLED_PROGRESSD, "/nonexistent/progressd"),
     r"/nonexistent/progressd is not executable"),
    ("sandbox taken away",
     lambda text: "".join(line for line in text.splitlines(True)
                          if not re.match(r"(Protect|Private|SystemCall)", line)),
     r"security: exposure \d+\.\d+ \w+ is above"),
]


def broken_systemd(options):
    tool = systemd_tool()
    if tool is None:
        return SKIP
    text = open(os.path.join(options.source_dir, "deploy", UNIT),
                encoding="utf-8").read()
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for what, edit, expected in BROKEN_UNITS:
            try:
                changed = edit(text)
                assert changed != text, "the edit changed nothing"
            except AssertionError as error:
                print(f"FAIL  {what}: {error}")
                failures += 1
                continue
            problems, _ = analyze(tool, unit_copy(work, changed,
                                                  options.progressd))
            caught = [p for p in problems if re.search(expected, p)]
            if caught:
                print(f"caught  {what}:\n        {caught[0]}")
            else:
                print(f"FAIL  {what}: nothing matching /{expected}/; "
                      f"systemd-analyze said: {problems or 'nothing'}")
                failures += 1
    print(f"{len(BROKEN_UNITS) - failures} of {len(BROKEN_UNITS)} broken "
          "units rejected as expected")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["consistent", "broken-manifests",
                                         "systemd", "broken-systemd"])
    parser.add_argument("--progressd", required=True)
    parser.add_argument("--reporter", required=True)
    parser.add_argument("--source-dir", required=True)
    options = parser.parse_args()
    options.progressd = os.path.abspath(options.progressd)
    if options.mode == "systemd":
        return systemd(options)
    if options.mode == "broken-systemd":
        return broken_systemd(options)
    programs = (deploy_check.Program(options.progressd),
                deploy_check.Program(options.reporter))
    sources = deploy_check.Sources(options.source_dir)
    if options.mode == "consistent":
        return consistent(options, programs, sources)
    return broken_manifests(options, programs, sources)


if __name__ == "__main__":
    sys.exit(main())
