#!/usr/bin/env python3
"""Checks progress-tracker's deployment files against the built programs.

Flags, ports, variable names and health service names come from the build
and the sources, never from a list kept here (the policies, such as the
security context, the systemd sandbox and the kinds known, are constants
below):
  - flags: every argument given to progressd or progress-reporter must be one
    the binary lists in --helpfull, and the binary itself must accept the
    whole command line (it is run with --only_check_args);
  - ports: the gRPC and /metrics ports come from the effective --listen and
    --metrics_listen (the binary's defaults when absent); container ports,
    probes, Services (targetPort by name or number), Prometheus annotations,
    PodMonitors, the workers' PROGRESS_TRACKER_ADDRESS and the static scrape
    config must all lead to them;
  - environment: every PROGRESS_* variable given to a container must be one
    the client library (or the reporter) reads with getenv(), as found in its
    sources;
  - health: gRPC probes must ask for a service progressd reports on ("" or
    the proto's package.Service);
  - shutdown: Kubernetes' terminationGracePeriodSeconds and systemd's
    TimeoutStopSec must leave room for --shutdown_delay (when the binary has
    it) + --shutdown_grace + a margin;
  - kinds: apiVersion/kind pairs must be ones Kubernetes, KubeRay and the
    Prometheus Operator serve, with the fields those kinds require.
With --run-daemon, each distinct progressd command line is also started for
real (listen addresses moved to free loopback ports), its /metrics fetched at
the annotated path, and stopped with the unit's or pod's stop signal.

Exit status 0 when everything agrees, 1 with one line per problem otherwise.
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    import yaml
except ImportError:  # pragma: no cover - reported as a clear failure
    sys.exit("deploy_check: python3-yaml is missing "
             "(scripts/install-deps.sh --with-test-tools installs it)")

# libyaml's loader when python3-yaml has it: the same documents, faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Seconds the daemon may need past --shutdown_delay + --shutdown_grace: its
# /metrics endpoint (civetweb) takes up to about two seconds to stop, and the
# process must exit before the supervisor's SIGKILL.
SHUTDOWN_MARGIN_SECONDS = 5
# Kubernetes' default when a pod spec does not say.
DEFAULT_TERMINATION_GRACE_SECONDS = 30
# systemd's DefaultTimeoutStopSec.
DEFAULT_SYSTEMD_STOP_SECONDS = 90
# The image's user (the Dockerfile's USER) and the path prometheus-cpp serves.
IMAGE_UID = 65532
METRICS_PATH = "/metrics"
IMAGE_NAME = "progress-tracker"
# Abseil's own flags that make a program print something and exit.
USAGE_FLAGS = {"help", "helpfull", "helpshort", "helppackage", "helpon",
               "helpmatch", "version", "only_check_args"}

KNOWN_KINDS = {
    ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "ServiceAccount"),
    ("v1", "Namespace"),
    ("apps/v1", "DaemonSet"), ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("ray.io/v1", "RayCluster"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}
WORKLOAD_KINDS = {"DaemonSet", "Deployment", "StatefulSet", "Job"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
IANA_SVC_NAME = re.compile(r"^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")
ENV_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


class Problems:
    def __init__(self):
        self.lines = []

    def add(self, where, message):
        self.lines.append(f"{where}: {message}")


# --- What the build and the sources say ------------------------------------

class Program:
    """A built binary's flags, as its --helpfull lists them."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        result = subprocess.run([path, "--helpfull"], capture_output=True,
                                text=True, timeout=30)
        text = result.stdout + result.stderr
        self._parsed = {}  # arguments -> (exit status, output)
        self.flags = {}  # name -> default, as printed (quotes removed)
        entries = re.split(r"(?m)^    --", text)[1:]
        for entry in entries:
            match = re.match(r"([A-Za-z0-9_]+) \(", entry)
            if not match:
                continue
            default = re.search(r"default: (.*?);\s*$", entry, re.S)
            value = re.sub(r"\s+", " ", default.group(1)) if default else ""
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            self.flags[match.group(1)] = value
        if "listen" not in self.flags and self.name == "progressd":
            raise SystemExit(f"deploy_check: cannot read flags from {path} "
                             f"--helpfull:\n{text[:2000]}")

    def check_args(self, args, where, problems):
        """Checks names, then has the binary parse the whole command line.
        Returns the effective value of each flag (last one wins, as in
        Abseil), or None when the arguments are wrong."""
        ok = True
        values = dict(self.flags)
        for arg in args:
            if not arg.startswith("-"):
                problems.add(where, f"{self.name} argument '{arg}' is not a flag "
                             f"({self.name} takes no positional arguments; "
                             "write --flag=value)")
                ok = False
                continue
            body = arg.lstrip("-")
            name, has_value, value = body.partition("=")
            known = name in self.flags or (
                not has_value and name.startswith("no") and name[2:] in self.flags)
            if name in USAGE_FLAGS:
                problems.add(where, f"--{name} makes {self.name} print and exit; "
                             "it has no place in a deployment")
                ok = False
            elif not known:
                close = [f for f in self.flags if _similar(f, name)]
                hint = f" (did you mean --{close[0]}?)" if close else ""
                problems.add(where, f"unknown flag --{name} for {self.name}: "
                             f"{self.name} --helpfull does not list it{hint}")
                ok = False
            elif has_value:
                values[name] = value
            elif name in self.flags:
                values[name] = "true"
            else:
                values[name[2:]] = "false"
        if not ok:
            return None
        key = tuple(args)
        if key not in self._parsed:
            result = subprocess.run([self.path, *args, "--only_check_args"],
                                    capture_output=True, text=True, timeout=30)
            self._parsed[key] = (result.returncode,
                                 result.stderr + result.stdout)
        returncode, output = self._parsed[key]
        if returncode != 0:
            message = " | ".join(line.strip() for line in output.splitlines()
                                 if line.strip())
            problems.add(where, f"{self.name} rejects its arguments "
                         f"{' '.join(args)}: {message}")
            return None
        return values


def _similar(a, b):
    """Same letters give or take one edit: enough for a spelling hint."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1 or sorted(a) == sorted(b)
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def getenv_names(patterns):
    """Variable names read with getenv() in the files matching patterns.
    getenv(kName) is followed to `kName[] = "NAME"` in the same files, and
    getenv(parameter) inside a helper such as FillFromEnv(const char* name,
    ...) to what the helper's callers pass."""
    files = sorted({f for pattern in patterns for f in glob.glob(pattern)
                    if os.path.isfile(f)})
    text = {f: open(f, encoding="utf-8").read() for f in files}
    constants = {}
    for source in text.values():
        for name, value in re.findall(
                r'\b(k[A-Za-z0-9_]*)(?:\[\])?\s*=\s*"([^"]*)"', source):
            constants[name] = value
        for name, value in re.findall(
                r'#\s*define\s+([A-Z_][A-Z0-9_]*)\s+"([^"]*)"', source):
            constants[name] = value

    def resolve(argument):
        literal = re.fullmatch(r'"([^"]*)"', argument)
        if literal:
            return literal.group(1)
        return constants.get(argument)

    names = set()
    for path, source in text.items():
        for call in re.finditer(r"\b(?:secure_)?getenv\(\s*([^)]*?)\s*\)",
                                source):
            argument = call.group(1)
            if resolve(argument) is not None:
                names.add(resolve(argument))
                continue
            passed = helper_arguments(text, source, call.start(), argument)
            if not passed or any(resolve(a) is None for a in passed):
                raise SystemExit(f"deploy_check: cannot tell which variable "
                                 f"getenv({argument}) in {path} reads")
            names.update(resolve(a) for a in passed)
    return names


def helper_arguments(text, source, position, parameter):
    """What callers pass for `parameter` of the function whose body holds
    `position` (the last definition before it), or None."""
    definitions = [d for d in re.finditer(
        r"\b(\w+)\s*\(([^;{}()]*)\)\s*(?:const\s*)?\{", source[:position])
        if d.group(1) not in ("if", "for", "while", "switch", "catch")]
    if not definitions:
        return None
    function, parameters = definitions[-1].group(1), definitions[-1].group(2)
    names = [re.findall(r"\w+", p)[-1] if re.findall(r"\w+", p) else ""
             for p in parameters.split(",")]
    if parameter not in names:
        return None
    index = names.index(parameter)
    passed = []
    for source_text in text.values():
        for call in re.finditer(rf"\b{function}\s*\(([^;{{}}]*?)\)\s*;",
                                source_text):
            arguments = [a.strip() for a in call.group(1).split(",")]
            if len(arguments) == len(names):
                passed.append(arguments[index])
    return passed


def health_service_names(proto_dir):
    """"" (the whole server) and package.Service of every service in proto/."""
    names = {""}
    for path in glob.glob(os.path.join(proto_dir, "progress", "**", "*.proto"),
                          recursive=True):
        source = open(path, encoding="utf-8").read()
        package = re.search(r"(?m)^package\s+([\w.]+)\s*;", source)
        for service in re.findall(r"(?m)^service\s+(\w+)", source):
            names.add(f"{package.group(1)}.{service}" if package else service)
    return names


def parse_duration(text):
    """Abseil duration ("10s", "1m30s", "500ms", "inf") in seconds."""
    text = text.strip()
    if text in ("inf", "+inf"):
        return float("inf")
    if text in ("0", ""):
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("+"):
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * units[u] for n, u in parts)


def parse_systemd_timespan(text):
    """systemd time span ("20s", "1min 30s", "90", "infinity") in seconds."""
    text = text.strip()
    if text == "infinity":
        return float("inf")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1,
             "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60,
             "minute": 60, "minutes": 60, "h": 3600, "hr": 3600,
             "hour": 3600, "hours": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text):
        if unit not in units:
            raise ValueError(f"unknown unit in {text!r}")
        total += float(number) * units[unit]
    return total


def split_hostport(text):
    """host:port → (host, port); None for an empty address."""
    if not text:
        return None
    match = re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]*):(\d+)", text)
    if not match:
        raise ValueError(f"not host:port: {text!r}")
    return match.group(1), int(match.group(2))


def shutdown_seconds(program, values):
    """--shutdown_delay (if the binary has it) + --shutdown_grace."""
    total = parse_duration(values.get("shutdown_grace", "0"))
    if "shutdown_delay" in program.flags:
        total += parse_duration(values.get("shutdown_delay", "0"))
    return total


# --- Kubernetes ---------------------------------------------------------------

class Container:
    def __init__(self, pod, spec, index):
        self.pod = pod
        self.spec = spec
        self.index = index
        self.name = spec.get("name", f"#{index}")
        self.where = f"{pod.where}, container {self.name}"
        self.role = container_role(spec)
        self.values = None  # effective flag values, for daemons and reporters
        self.grpc_port = None
        self.metrics_port = None

    def ports(self):
        return [p for p in self.spec.get("ports") or [] if isinstance(p, dict)]

    def env(self):
        return [e for e in self.spec.get("env") or [] if isinstance(e, dict)]


class Pod:
    """A pod template: of a workload, or of a RayCluster's head or group."""

    def __init__(self, group, where, template, extra_labels, namespace,
                 ray_group=False):
        self.group = group
        self.where = where
        metadata = template.get("metadata") or {}
        self.labels = dict(metadata.get("labels") or {})
        self.labels.update(extra_labels)
        self.annotations = metadata.get("annotations") or {}
        self.spec = template.get("spec") or {}
        self.namespace = namespace
        self.ray_group = ray_group
        self.containers = [Container(self, c, i) for i, c in
                           enumerate(self.spec.get("containers") or [])]
        self.containers += [Container(self, c, i) for i, c in
                            enumerate(self.spec.get("initContainers") or [])]

    def daemons(self):
        return [c for c in self.containers if c.role == "progressd"]


def container_role(spec):
    command = spec.get("command") or []
    program = os.path.basename(command[0]) if command else None
    image = str(spec.get("image", ""))
    repository = re.split(r"[:@]", image.rsplit("/", 1)[-1])[0]
    if program in ("progressd", "progress-reporter"):
        return program
    if repository == IMAGE_NAME:
        return "progressd" if program is None else f"unknown:{program}"
    return "client"


def load_documents(k8s_dir, problems):
    documents = []  # (group, path, index, document)
    paths = sorted(glob.glob(os.path.join(k8s_dir, "**", "*.y*ml"),
                             recursive=True))
    if not paths:
        problems.add(k8s_dir, "no manifests found")
    for path in paths:
        group = os.path.relpath(os.path.dirname(path), k8s_dir)
        try:
            loaded = list(yaml.load_all(open(path, encoding="utf-8"),
                                        Loader=YAML_LOADER))
        except yaml.YAMLError as error:
            problems.add(path, f"is not valid YAML: {error}")
            continue
        for index, document in enumerate(loaded):
            if document is None:
                continue
            documents.append((group, path, index, document))
    return documents


def check_object_basics(path, index, document, problems):
    where = f"{path} document {index + 1}"
    if not isinstance(document, dict):
        problems.add(where, "is not a mapping")
        return None
    api, kind = document.get("apiVersion"), document.get("kind")
    name = (document.get("metadata") or {}).get("name")
    where = f"{path}: {kind}/{name}"
    if (api, kind) not in KNOWN_KINDS:
        served = sorted(a for a, k in KNOWN_KINDS if k == kind)
        if served:
            problems.add(where, f"apiVersion {api} does not serve {kind} "
                         f"(use {' or '.join(served)})")
        else:
            problems.add(where, f"unknown kind {kind} (apiVersion {api})")
        return None
    if not name or not DNS1123_SUBDOMAIN.match(str(name)):
        problems.add(where, f"metadata.name {name!r} is not a DNS-1123 name")
        return None
    if kind in ("Service",) and not DNS1123_LABEL.match(name):
        problems.add(where, "a Service name must be a DNS-1123 label")
    if not isinstance(document.get("spec"), dict) and kind not in (
            "ConfigMap", "ServiceAccount", "Namespace"):
        problems.add(where, "has no spec")
        return None
    return where


def pods_of(group, where, document, problems):
    kind, spec = document["kind"], document["spec"]
    name = document["metadata"]["name"]
    namespace = document["metadata"].get("namespace")
    pods = []
    if kind in WORKLOAD_KINDS:
        template = spec.get("template")
        if not isinstance(template, dict):
            problems.add(where, "has no spec.template")
            return []
        pod = Pod(group, f"{where} pod template", template, {}, namespace)
        if kind != "Job":
            selector = (spec.get("selector") or {}).get("matchLabels")
            if not selector:
                problems.add(where, "spec.selector.matchLabels is required")
            elif not labels_match(selector, pod.labels):
                problems.add(where, f"spec.selector {selector} does not match "
                             f"the pod template's labels {pod.labels}")
        pods.append(pod)
    elif kind == "RayCluster":
        head = spec.get("headGroupSpec")
        if not isinstance(head, dict) or not isinstance(
                head.get("template"), dict):
            problems.add(where, "spec.headGroupSpec.template is required")
            return []
        groups = [("head", "headgroup", head)]
        for worker in spec.get("workerGroupSpecs") or []:
            if not worker.get("groupName"):
                problems.add(where, "every workerGroupSpecs entry needs a "
                             "groupName")
                continue
            groups.append(("worker", worker["groupName"], worker))
        for node_type, group_name, group_spec in groups:
            label = "head pod" if node_type == "head" else (
                f"worker group {group_name}")
            if "rayStartParams" not in group_spec:
                problems.add(f"{where} {label}", "rayStartParams is required "
                             "by KubeRay before 1.4 (give {})")
            if not isinstance(group_spec.get("template"), dict):
                problems.add(f"{where} {label}", "has no template")
                continue
            # The labels KubeRay puts on the pods it makes.
            extra = {"ray.io/cluster": name, "ray.io/node-type": node_type,
                     "ray.io/group": group_name, "ray.io/is-ray-node": "yes"}
            pods.append(Pod(group, f"{where} {label}", group_spec["template"],
                            extra, namespace, ray_group=True))
    for pod in pods:
        if not pod.spec.get("containers"):
            problems.add(pod.where, "has no containers")
    return pods


def labels_match(selector, labels):
    return all(labels.get(k) == str(v) for k, v in selector.items())


def check_k8s(k8s_dir, progressd, reporter, client_env, reporter_env,
              health_names, problems):
    """Returns the daemon containers found, for --run-daemon."""
    documents = load_documents(k8s_dir, problems)
    pods, services, monitors = [], [], []
    for group, path, index, document in documents:
        where = check_object_basics(path, index, document, problems)
        if where is None:
            continue
        kind = document["kind"]
        if kind == "Service":
            services.append((group, where, document))
        elif kind == "PodMonitor":
            monitors.append((group, where, document))
        elif kind in WORKLOAD_KINDS or kind == "RayCluster":
            for pod in pods_of(group, where, document, problems):
                pod.owner_kind = kind
                pods.append(pod)

    for pod in pods:
        check_pod_containers(pod, progressd, reporter, problems)
    for pod in pods:
        for daemon in pod.daemons():
            check_daemon(daemon, progressd, health_names, problems)
    for group, where, service in services:
        check_service(group, where, service, pods, problems)
    for group, where, monitor in monitors:
        check_pod_monitor(group, where, monitor, pods, problems)
    check_coverage(pods, services, monitors, problems)
    for pod in pods:
        for container in pod.containers:
            if container.role == "client":
                check_client(container, client_env, pods, services, problems)
            elif container.role == "progress-reporter":
                check_reporter(container, reporter_env, pods, services,
                               problems)
    return [d for pod in pods for d in pod.daemons() if d.values is not None]


def check_pod_containers(pod, progressd, reporter, problems):
    names = {}
    for container in pod.containers:
        for port in container.ports():
            name = port.get("name")
            if name is None:
                continue
            if not IANA_SVC_NAME.match(str(name)):
                problems.add(container.where, f"port name {name!r} is not a "
                             "valid port name (1-15 of a-z 0-9 -, a letter)")
            if name in names and names[name] is not container:
                problems.add(container.where, f"port name {name} is also used "
                             f"by container {names[name].name}; Services and "
                             "PodMonitors select ports by name")
            names[name] = container
        if container.role.startswith("unknown:"):
            problems.add(container.where, f"the {IMAGE_NAME} image runs "
                         "progressd or progress-reporter, not "
                         f"{container.role[8:]}")
        arguments = list(container.spec.get("command") or [])[1:] + list(
            container.spec.get("args") or [])
        arguments = [expand_env_refs(str(a), container) for a in arguments]
        if container.role == "progressd":
            container.values = progressd.check_args(arguments, container.where,
                                                    problems)
        elif container.role == "progress-reporter":
            if reporter is None:
                problems.add(container.where, "runs progress-reporter but no "
                             "reporter binary was given to check it against")
            else:
                container.values = reporter.check_args(
                    arguments, container.where, problems)
    if pod.ray_group and pod.containers and pod.containers[0].role != "client":
        problems.add(pod.where, "KubeRay takes the first container for Ray's "
                     f"own; {pod.containers[0].name} runs "
                     f"{pod.containers[0].role}: put the Ray container first")


def expand_env_refs(text, container):
    """$(VAR) as Kubernetes expands it in args, with a stand-in value for
    downward-API fields (so the binary can parse the result)."""
    def replace(match):
        entry = env_entry(container, match.group(1))
        if entry is None:
            return match.group(0)
        if "value" in entry:
            return str(entry["value"])
        field = ((entry.get("valueFrom") or {}).get("fieldRef") or {}).get(
            "fieldPath", "")
        return {"status.podIP": "10.0.0.10", "status.hostIP": "10.0.0.1"}.get(
            field, "stand-in")
    return ENV_REFERENCE.sub(replace, text)


def env_entry(container, name):
    for entry in container.env():
        if entry.get("name") == name:
            return entry
    return None


def container_port(container, reference):
    """The containerPort a port name or number refers to, or None."""
    for port in container.ports():
        if reference == port.get("name") or reference == port.get(
                "containerPort"):
            return port
    return None


def check_daemon(daemon, progressd, health_names, problems):
    if daemon.values is None:
        return
    where = daemon.where
    values = daemon.values
    try:
        grpc = split_hostport(values["listen"])
        metrics = split_hostport(values.get("metrics_listen", ""))
    except ValueError as error:
        problems.add(where, f"--listen/--metrics_listen: {error}")
        return
    for flag, address in (("--listen", grpc), ("--metrics_listen", metrics)):
        if address is None:
            continue
        host, port = address
        if host in LOOPBACK_HOSTS:
            problems.add(where, f"{flag}={host}:{port} listens on loopback; "
                         "kubelet probes, Services and Prometheus connect to "
                         "the pod IP (use 0.0.0.0)")
        if port == 0:
            problems.add(where, f"{flag} picks a random port (0); Services and "
                         "probes need a fixed one")
    daemon.grpc_port = grpc[1]
    daemon.metrics_port = metrics[1] if metrics else None
    listening = {daemon.grpc_port: "--listen"}
    if daemon.metrics_port is not None:
        listening[daemon.metrics_port] = "--metrics_listen"
    declared = {}
    for port in daemon.ports():
        number = port.get("containerPort")
        declared[number] = port
        if number not in listening:
            problems.add(where, f"containerPort {number} ({port.get('name')}) "
                         "is not a port progressd listens on (gRPC "
                         f"{daemon.grpc_port} from --listen"
                         + (f", metrics {daemon.metrics_port} from "
                            "--metrics_listen" if daemon.metrics_port else "")
                         + ")")
        if port.get("protocol", "TCP") != "TCP":
            problems.add(where, f"containerPort {number} must be TCP")
        host_port = port.get("hostPort")
        if host_port is not None and number != daemon.grpc_port:
            problems.add(where, f"hostPort {host_port} publishes "
                         f"containerPort {number} on the node; only the gRPC "
                         "port needs to be there")
    for port, flag in listening.items():
        if port not in declared:
            problems.add(where, f"no containerPort for port {port} ({flag}="
                         f"{values['listen' if flag == '--listen' else 'metrics_listen']})")

    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = daemon.spec.get(kind)
        if probe is None:
            if kind != "startupProbe":
                problems.add(where, f"no {kind}: use a gRPC health probe "
                             f"(grpc: port {daemon.grpc_port})")
            continue
        if "grpc" not in probe:
            problems.add(where, f"{kind} must be a gRPC health probe "
                         "(progressd serves grpc.health.v1)")
            continue
        port = probe["grpc"].get("port")
        service = probe["grpc"].get("service", "")
        if port != daemon.grpc_port:
            problems.add(where, f"{kind} grpc port {port} is not the gRPC port "
                         f"{daemon.grpc_port} (--listen={values['listen']})")
        if service not in health_names:
            problems.add(where, f"{kind} asks gRPC health about service "
                         f"{service!r}; progressd reports on "
                         f"{sorted(health_names)}")

    annotations = daemon.pod.annotations
    if daemon.metrics_port is None:
        if annotations.get("prometheus.io/scrape") == "true":
            problems.add(daemon.pod.where, "prometheus.io/scrape is true but "
                         "progressd's /metrics is off (--metrics_listen=)")
    else:
        expected = {"prometheus.io/scrape": "true",
                    "prometheus.io/port": str(daemon.metrics_port),
                    "prometheus.io/path": METRICS_PATH}
        for key, value in expected.items():
            if str(annotations.get(key)) != value:
                problems.add(daemon.pod.where, f"annotation {key} is "
                             f"{annotations.get(key)!r}, not {value!r} "
                             f"(progressd serves {METRICS_PATH} on port "
                             f"{daemon.metrics_port} from --metrics_listen)")

    grace = daemon.pod.spec.get("terminationGracePeriodSeconds",
                                DEFAULT_TERMINATION_GRACE_SECONDS)
    needed = shutdown_seconds(progressd, values) + SHUTDOWN_MARGIN_SECONDS
    if grace < needed:
        problems.add(daemon.pod.where, f"terminationGracePeriodSeconds {grace} "
                     f"is shorter than progressd's shutdown ("
                     f"{describe_shutdown(progressd, values)}) plus "
                     f"{SHUTDOWN_MARGIN_SECONDS}s: kubelet would SIGKILL it")

    pod_security = daemon.pod.spec.get("securityContext") or {}
    security = dict(pod_security)
    security.update(daemon.spec.get("securityContext") or {})
    wanted = {"runAsNonRoot": True, "runAsUser": IMAGE_UID,
              "readOnlyRootFilesystem": True,
              "allowPrivilegeEscalation": False}
    for key, value in wanted.items():
        if security.get(key) != value:
            problems.add(where, f"securityContext.{key} is "
                         f"{security.get(key)!r}, not {value!r}")
    if security.get("privileged"):
        problems.add(where, "securityContext.privileged must not be set")
    capabilities = security.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problems.add(where, "securityContext.capabilities.drop must hold ALL")
    if capabilities.get("add"):
        problems.add(where, "progressd needs no capabilities: "
                     f"capabilities.add {capabilities['add']}")
    resources = daemon.spec.get("resources") or {}
    for path in (("requests", "cpu"), ("requests", "memory"),
                 ("limits", "memory")):
        if (resources.get(path[0]) or {}).get(path[1]) is None:
            problems.add(where, f"resources.{path[0]}.{path[1]} is not set")


def describe_shutdown(progressd, values):
    parts = []
    if "shutdown_delay" in progressd.flags:
        parts.append(f"--shutdown_delay={values.get('shutdown_delay')}")
    parts.append(f"--shutdown_grace={values.get('shutdown_grace')}")
    return " + ".join(parts)


def selected(group, selector, namespace, pods):
    return [p for p in pods if p.group == group and p.namespace == namespace
            and labels_match(selector, p.labels)]


def resolve_target(pod, reference):
    """(container, containerPort entry) a targetPort/port reference names."""
    for container in pod.containers:
        port = container_port(container, reference)
        if port is not None:
            return container, port
    return None, None


def check_service(group, where, service, pods, problems):
    spec = service["spec"]
    selector = spec.get("selector")
    if not selector:
        problems.add(where, "has no selector; it would route nowhere")
        return
    namespace = service["metadata"].get("namespace")
    targets = selected(group, selector, namespace, pods)
    service["_pods"] = targets
    if not targets:
        problems.add(where, f"selector {selector} matches no pod template in "
                     f"{group}/")
        return
    if not any(p.daemons() for p in targets):
        problems.add(where, f"selects pods without progressd: "
                     f"{[p.where for p in targets]}")
    for port in spec.get("ports") or []:
        label = f"port {port.get('name') or port.get('port')}"
        reference = port.get("targetPort", port.get("port"))
        for pod in targets:
            container, entry = resolve_target(pod, reference)
            if entry is None:
                problems.add(where, f"{label}: targetPort {reference!r} is not "
                             f"a containerPort of {pod.where}")
                continue
            if container.role != "progressd":
                problems.add(where, f"{label}: targetPort {reference!r} is "
                             f"container {container.name}'s, not progressd's")
                continue
            if container.values is None:
                continue  # Its arguments are wrong: reported with it.
            number = entry.get("containerPort")
            if number not in (container.grpc_port, container.metrics_port):
                continue  # Reported with the container.
            is_grpc = number == container.grpc_port
            words = f"{port.get('name', '')} {port.get('appProtocol', '')}"
            if is_grpc and re.search(r"metrics|http", words):
                problems.add(where, f"{label} ({words.strip()}) targets the "
                             f"gRPC port {number}, not /metrics")
            if not is_grpc and re.search(r"grpc", words):
                problems.add(where, f"{label} ({words.strip()}) targets the "
                             f"metrics port {number}, not gRPC")


def check_pod_monitor(group, where, monitor, pods, problems):
    spec = monitor["spec"]
    selector = spec.get("selector") or {}
    if selector.get("matchExpressions") or not selector.get("matchLabels"):
        problems.add(where, "give spec.selector.matchLabels (matchExpressions "
                     "are not checked)")
        return
    namespace = monitor["metadata"].get("namespace")
    targets = selected(group, selector["matchLabels"], namespace, pods)
    monitor["_pods"] = targets
    if not targets:
        problems.add(where, f"selector {selector['matchLabels']} matches no "
                     f"pod template in {group}/")
        return
    endpoints = spec.get("podMetricsEndpoints") or []
    if not endpoints:
        problems.add(where, "has no podMetricsEndpoints")
    for endpoint in endpoints:
        reference = endpoint.get("port", endpoint.get("targetPort"))
        path = endpoint.get("path", "/metrics")
        if path != METRICS_PATH:
            problems.add(where, f"path {path!r} is not {METRICS_PATH}")
        if endpoint.get("honorLabels") is not True:
            problems.add(where, "honorLabels must be true: progressd's `job` "
                         "label (the batch job) would become `exported_job`")
        for pod in targets:
            matches = [(c, p) for c in pod.containers for p in c.ports()
                       if reference in (p.get("name"), p.get("containerPort"))]
            if not matches:
                problems.add(where, f"port {reference!r} is not a "
                             f"containerPort of {pod.where}")
            for container, entry in matches:
                if container.role == "progressd" and container.values is None:
                    continue  # Its arguments are wrong: reported with it.
                if container.role != "progressd" or (
                        entry.get("containerPort") != container.metrics_port):
                    problems.add(where, f"port {reference!r} in {pod.where} is "
                                 f"container {container.name}'s "
                                 f"{entry.get('containerPort')}, not "
                                 "progressd's metrics port")


def check_coverage(pods, services, monitors, problems):
    for pod in pods:
        if not pod.daemons() or any(d.values is None for d in pod.daemons()):
            continue
        if not any(pod in m.get("_pods", []) for _, _, m in monitors):
            problems.add(pod.where, "no PodMonitor in its folder scrapes it")
        if pod.owner_kind == "DaemonSet":
            headless = [s for _, _, s in services
                        if s["spec"].get("clusterIP") == "None"
                        and pod in s.get("_pods", [])
                        and any(service_reaches_grpc(s, pod, p)
                                for p in s["spec"].get("ports") or [])]
            if not headless:
                problems.add(pod.where, "no headless Service (clusterIP: None) "
                             "reaches its gRPC port: progress-reporter "
                             "--each_address could not find every node's "
                             "daemon")


def service_reaches_grpc(service, pod, port):
    container, entry = resolve_target(
        pod, port.get("targetPort", port.get("port")))
    return (entry is not None and container.role == "progressd"
            and entry.get("containerPort") == container.grpc_port)


def check_env_names(container, readable, who, problems):
    for entry in container.env():
        name = str(entry.get("name", ""))
        if name.startswith("PROGRESS_") and name not in readable:
            close = [r for r in readable if _similar(r, name)]
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.add(container.where, f"{name} is not an environment "
                         f"variable {who} reads{hint}; it reads "
                         f"{', '.join(sorted(readable))}")


def check_client(container, client_env, pods, services, problems):
    check_env_names(container, client_env, "the client library", problems)
    address = env_entry(container, "PROGRESS_TRACKER_ADDRESS")
    if address is None:
        if container.pod.ray_group and any(
                p.daemons() for p in pods if p.group == container.pod.group):
            problems.add(container.where, "sets no PROGRESS_TRACKER_ADDRESS: "
                         "its workers would report to 127.0.0.1:50051 in "
                         "their own pod")
        return
    if "value" not in address:
        problems.add(container.where, "PROGRESS_TRACKER_ADDRESS must be a "
                     "value this check can follow (not valueFrom)")
        return
    resolve_address(container, "PROGRESS_TRACKER_ADDRESS",
                    str(address["value"]), pods, services, problems)


def check_reporter(container, reporter_env, pods, services, problems):
    check_env_names(container, reporter_env, "progress-reporter", problems)
    if container.values is None:
        return
    servers = container.values.get("server", "")
    if not servers:
        entry = env_entry(container, "PROGRESS_TRACKER_ADDRESS")
        servers = str(entry.get("value", "")) if entry else ""
    for server in filter(None, re.split(r"[,\s]+", servers)):
        resolve_address(container, "--server", server, pods, services,
                        problems)


def resolve_address(container, what, value, pods, services, problems):
    """Follows a client's target to a daemon's gRPC port."""
    where = f"{container.where}: {what}={value}"
    env_names = [e.get("name") for e in container.env()]
    own_index = env_names.index(what) if what in env_names else len(env_names)
    for name in ENV_REFERENCE.findall(value):
        if name not in env_names[:own_index]:
            problems.add(where, f"$({name}) is not defined before {what} in "
                         "the container's env; Kubernetes would pass it "
                         "literally")
            return
    target = re.sub(r"^(dns:///?|ipv4:|ipv6:)", "", value)
    try:
        host, port = split_hostport(target) or (None, None)
    except ValueError:
        problems.add(where, "is not host:port")
        return
    reference = ENV_REFERENCE.fullmatch(host or "")
    field = None
    if reference:
        entry = env_entry(container, reference.group(1))
        field = ((entry.get("valueFrom") or {}).get("fieldRef") or {}).get(
            "fieldPath") if entry else None
        if field is None and entry is not None and "value" in entry:
            host = str(entry["value"])
            reference = None
    if host in LOOPBACK_HOSTS or field == "status.podIP":
        if any(d.values is None for d in container.pod.daemons()):
            return  # Its arguments are wrong: reported with it.
        ports = [d.grpc_port for d in container.pod.daemons()]
        if port not in ports:
            problems.add(where, f"no progressd in this pod listens on {port} "
                         f"(gRPC ports here: {ports or 'none'})")
        return
    if field == "status.hostIP":
        if any(d.values is None for p in pods if p.owner_kind == "DaemonSet"
               for d in p.daemons()):
            return  # Its arguments are wrong: reported with it.
        published = []
        for pod in pods:
            if pod.owner_kind != "DaemonSet":
                continue
            for daemon in pod.daemons():
                for entry in daemon.ports():
                    if entry.get("containerPort") != daemon.grpc_port:
                        continue
                    if pod.spec.get("hostNetwork"):
                        published.append(daemon.grpc_port)
                    elif entry.get("hostPort") is not None:
                        published.append(entry["hostPort"])
        if port not in published:
            problems.add(where, f"no progressd DaemonSet publishes its gRPC "
                         f"port on the node as {port} (hostPorts: "
                         f"{published or 'none'})")
        return
    if reference:
        problems.add(where, f"$({reference.group(1)}) is neither "
                     "status.hostIP nor status.podIP")
        return
    if re.fullmatch(r"[\d.]+|\[.*\]", host):
        problems.add(where, "a fixed IP cannot be followed; use a Service "
                     "name or $(HOST_IP)")
        return
    name = host.split(".")[0]
    matches = [(g, w, s) for g, w, s in services
               if s["metadata"]["name"] == name and g == container.pod.group]
    if not matches:
        problems.add(where, f"no Service named {name} in "
                     f"{container.pod.group}/")
        return
    _, service_where, service = matches[0]
    ports = [p for p in service["spec"].get("ports") or []
             if p.get("port") == port]
    if not ports:
        problems.add(where, f"Service {name} has no port {port} (its ports: "
                     f"{[p.get('port') for p in service['spec'].get('ports') or []]})")
        return
    for pod in service.get("_pods", []):
        if any(d.values is None for d in pod.daemons()):
            continue  # Its arguments are wrong: reported with it.
        if not service_reaches_grpc(service, pod, ports[0]):
            problems.add(where, f"Service {name} port {port} does not lead to "
                         f"progressd's gRPC port in {pod.where}")


# --- systemd --------------------------------------------------------------------

def parse_unit(path):
    """[(section, key, value)] of a unit file, continuation lines joined."""
    entries, section, pending = [], None, ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if pending:
            line = pending + line.lstrip()
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            section = stripped.strip("[]")
            continue
        key, _, value = stripped.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def read_environment_file(path):
    values = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, _, value = line.partition("=")
            values[key.strip()] = " ".join(shlex.split(value))
    return values


# The sandbox the unit promises (README, "Deploying"); systemd-analyze
# security scores the whole of it.
SYSTEMD_SANDBOX = {
    "DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
    "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "CapabilityBoundingSet": "", "MemoryDenyWriteExecute": "yes",
    "LockPersonality": "yes", "StateDirectory": "progressd",
    "Restart": "on-failure",
}


def check_systemd(unit, environment_file, progressd, problems):
    """Returns the unit's progressd arguments and stop signal, or None."""
    entries = parse_unit(unit)
    service = [(k, v) for s, k, v in entries if s == "Service"]
    starts = [v for k, v in service if k == "ExecStart" and v]
    if len(starts) != 1:
        problems.add(unit, f"needs exactly one ExecStart= (has {len(starts)})")
        return None
    environment = read_environment_file(environment_file)
    for key, value in service:
        if key == "Environment":
            for word in shlex.split(value):
                name, _, setting = word.partition("=")
                environment[name] = setting
    words = []
    for word in shlex.split(starts[0].lstrip("-@:+!")):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:  # $VAR: split into words; unset: no word at all.
            words += shlex.split(environment.get(whole.group(1), ""))
        else:
            words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                                lambda m: environment.get(m.group(1), ""),
                                word))
    binary, arguments = words[0], words[1:]
    if not binary.startswith("/") or os.path.basename(binary) != "progressd":
        problems.add(unit, f"ExecStart runs {binary}, not an absolute path to "
                     "progressd")
    where = f"{unit}: ExecStart"
    values = progressd.check_args(arguments, where, problems)
    settings = dict(service)
    for key, value in SYSTEMD_SANDBOX.items():
        if settings.get(key) != value:
            problems.add(unit, f"{key}={settings.get(key, '(unset)')}, not "
                         f"{key}={value}")
    filters = [v for k, v in service if k == "SystemCallFilter"]
    if "@system-service" not in filters:
        problems.add(unit, "SystemCallFilter=@system-service is missing")
    state_file = values.get("state_file") if values else None
    if state_file:
        # Under ProtectSystem=strict, only the StateDirectory is writable.
        state_dir = "/var/lib/" + settings.get("StateDirectory", "")
        if os.path.dirname(state_file) != state_dir:
            problems.add(unit, f"--state_file={state_file} is not in the "
                         f"StateDirectory ({state_dir}), the only directory "
                         "the sandbox lets progressd write")
    signal_name = settings.get("KillSignal", "SIGTERM")
    if signal_name not in ("SIGTERM", "SIGINT", "TERM", "INT"):
        problems.add(unit, f"KillSignal={signal_name}: progressd shuts down "
                     "cleanly on SIGTERM or SIGINT only")
    if values is None:
        return None
    stop = settings.get("TimeoutStopSec", settings.get("TimeoutSec"))
    try:
        stop_seconds = (parse_systemd_timespan(stop) if stop is not None
                        else DEFAULT_SYSTEMD_STOP_SECONDS)
    except ValueError as error:
        problems.add(unit, f"TimeoutStopSec: {error}")
        return None
    needed = shutdown_seconds(progressd, values) + SHUTDOWN_MARGIN_SECONDS
    if stop_seconds < needed:
        problems.add(unit, f"TimeoutStopSec={stop} is shorter than "
                     f"progressd's shutdown ({describe_shutdown(progressd, values)}) "
                     f"plus {SHUTDOWN_MARGIN_SECONDS}s: systemd would SIGKILL it")
    return arguments, values, signal_name


def check_prometheus(prometheus_dir, systemd_values, problems):
    for path in sorted(glob.glob(os.path.join(prometheus_dir, "*.y*ml"))):
        config = yaml.safe_load(open(path, encoding="utf-8")) or {}
        for job in config.get("scrape_configs") or []:
            where = f"{path}: job {job.get('job_name')}"
            if job.get("honor_labels") is not True:
                problems.add(where, "honor_labels must be true: progressd's "
                             "`job` label would become `exported_job`")
            for static in job.get("static_configs") or []:
                for target in static.get("targets") or []:
                    if systemd_values is None:
                        continue
                    listen = systemd_values.get("metrics_listen")
                    if target != listen:
                        problems.add(where, f"target {target} is not where the "
                                     f"systemd unit's progressd serves "
                                     f"/metrics (--metrics_listen={listen})")
            if job.get("kubernetes_sd_configs"):
                used = set()
                for rule in job.get("relabel_configs") or []:
                    used.update(rule.get("source_labels") or [])
                for suffix in ("scrape", "port", "path"):
                    label = f"__meta_kubernetes_pod_annotation_prometheus_io_{suffix}"
                    if label not in used:
                        problems.add(where, f"does not use the pods' "
                                     f"prometheus.io/{suffix} annotation")
        promtool = shutil.which("promtool")
        if promtool:
            check_with_promtool(promtool, path, problems)


_promtool_results = {}  # file content -> problem or None


def check_with_promtool(promtool, path, problems):
    content = open(path, encoding="utf-8").read()
    if content not in _promtool_results:
        _promtool_results[content] = promtool_problem(promtool, path)
    if _promtool_results[content]:
        problems.add(path, _promtool_results[content])


def promtool_problem(promtool, path):
    result = subprocess.run([promtool, "check", "config", path],
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    if result.returncode != 0 and "kubernetes_sd_configs not found" in output:
        # Debian's Prometheus is built without Kubernetes discovery: check the
        # rest of the file with the discovery swapped for a static target.
        config = yaml.safe_load(open(path, encoding="utf-8"))
        for job in config.get("scrape_configs") or []:
            if job.pop("kubernetes_sd_configs", None) is not None:
                job["static_configs"] = [{"targets": ["127.0.0.1:1"]}]
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as copy:
            yaml.safe_dump(config, copy)
            copy.flush()
            result = subprocess.run([promtool, "check", "config", copy.name],
                                    capture_output=True, text=True, timeout=60)
            output = result.stdout + result.stderr
    if result.returncode != 0:
        return "promtool check config fails: " + " | ".join(
            l.strip() for l in output.splitlines() if l.strip())
    return None


# --- Running the daemons -----------------------------------------------------

def run_daemon(progressd, where, arguments, stop_signal, metrics_path,
               problems):
    """Starts progressd with these arguments (listen addresses moved to free
    loopback ports), fetches /metrics, stops it; reports what fails."""
    with tempfile.TemporaryDirectory() as work:
        port_file = os.path.join(work, "port")
        metrics_file = os.path.join(work, "metrics_port")
        overrides = ["--listen=127.0.0.1:0", f"--port_file={port_file}"]
        if any(a.startswith("--state_file=") for a in arguments):
            overrides.append(f"--state_file={os.path.join(work, 'state')}")
        if metrics_path is not None:
            overrides += ["--metrics_listen=127.0.0.1:0",
                          f"--metrics_port_file={metrics_file}"]
        process = subprocess.Popen([progressd.path, *arguments, *overrides],
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and process.poll() is None:
                if os.path.exists(port_file) and os.path.getsize(port_file):
                    break
                time.sleep(0.05)
            if process.poll() is not None or not os.path.exists(port_file):
                output = process.communicate(timeout=10)[0] if (
                    process.poll() is not None) else ""
                problems.add(where, "progressd did not start with "
                             f"{' '.join(arguments)}: {output.strip()}")
                return
            if metrics_path is not None:
                port = open(metrics_file).read().strip()
                url = f"http://127.0.0.1:{port}{metrics_path}"
                try:
                    body = urllib.request.urlopen(url, timeout=10).read().decode()
                    if "progress_tracker_build_info" not in body:
                        problems.add(where, f"{url} does not serve progressd's "
                                     "metrics")
                except OSError as error:
                    problems.add(where, f"cannot fetch {url}: {error}")
        finally:
            if process.poll() is None:
                number = getattr(signal, stop_signal if stop_signal.startswith(
                    "SIG") else "SIG" + stop_signal)
                process.send_signal(number)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    problems.add(where, f"progressd did not stop on {stop_signal}")
        if process.returncode not in (0, None):
            output = process.stdout.read() if process.stdout else ""
            problems.add(where, f"progressd exited with {process.returncode} on "
                         f"{stop_signal}: {output.strip()}")


class Sources:
    """What the sources say: the variables the client library and the
    reporter read, and the names gRPC health reports on."""

    def __init__(self, source_dir):
        client = os.path.join(source_dir, "client")
        self.client_env = getenv_names([
            os.path.join(client, "src", "*.cc"),
            os.path.join(client, "src", "*.h"),
            os.path.join(client, "internal", "*")])
        # The reporter links the client's internal part (client/internal).
        self.reporter_env = getenv_names([
            os.path.join(client, "reporter", "*.cc"),
            os.path.join(client, "internal", "*")])
        self.health_names = health_service_names(
            os.path.join(source_dir, "proto"))


def run_checks(progressd, reporter, sources, k8s=None, systemd=None,
               systemd_environment=None, prometheus=None, run_daemons=False):
    """Returns (problems, what was checked)."""
    problems = Problems()
    daemons, unit = [], None
    if k8s:
        daemons = check_k8s(k8s, progressd, reporter, sources.client_env,
                            sources.reporter_env, sources.health_names,
                            problems)
    if systemd:
        unit = check_systemd(systemd, systemd_environment, progressd,
                             problems)
    if prometheus:
        check_prometheus(prometheus, unit[1] if unit else None, problems)
    checked = []
    if k8s:
        checked.append(f"{len(daemons)} progressd containers in {k8s}")
    if systemd:
        checked.append(systemd)
    if prometheus:
        checked.append(prometheus)
    if run_daemons and not problems.lines:
        seen = set()
        for daemon in daemons:
            arguments = list(daemon.spec.get("command") or [])[1:] + list(
                daemon.spec.get("args") or [])
            arguments = [expand_env_refs(str(a), daemon) for a in arguments]
            path = daemon.pod.annotations.get("prometheus.io/path",
                                              METRICS_PATH)
            key = (tuple(arguments), path)
            if key in seen:
                continue
            seen.add(key)
            run_daemon(progressd, daemon.where, arguments, "SIGTERM",
                       path if daemon.metrics_port else None, problems)
        if unit:
            arguments, values, stop_signal = unit
            run_daemon(progressd, systemd, arguments, stop_signal,
                       METRICS_PATH if values.get("metrics_listen") else None,
                       problems)
        checked.append(f"started, scraped and stopped "
                       f"{len(seen) + bool(unit)} progressd command lines")
    return problems.lines, "; ".join(checked)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--progressd", required=True)
    parser.add_argument("--reporter")
    parser.add_argument("--source-dir", required=True,
                        help="for the client's and reporter's getenv() calls "
                        "and the proto's service names")
    parser.add_argument("--k8s", help="folder of Kubernetes manifests")
    parser.add_argument("--systemd", help="systemd unit")
    parser.add_argument("--systemd-environment",
                        help="example EnvironmentFile shipped with the unit")
    parser.add_argument("--prometheus", help="folder of scrape configs")
    parser.add_argument("--run-daemon", action="store_true")
    options = parser.parse_args()

    sources = Sources(options.source_dir)
    problems, checked = run_checks(
        Program(options.progressd),
        Program(options.reporter) if options.reporter else None, sources,
        k8s=options.k8s, systemd=options.systemd,
        systemd_environment=options.systemd_environment,
        prometheus=options.prometheus, run_daemons=options.run_daemon)
    for line in problems:
        print(f"PROBLEM {line}")
    if problems:
        print(f"deploy_check: {len(problems)} problem(s)")
        return 1
    print(f"deploy_check: ok ({checked}); the client reads "
          f"{', '.join(sorted(sources.client_env))}; gRPC health reports on "
          f"{sorted(sources.health_names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
