#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build needs and this machine
# lacks; with --with-test-tools, also the servers the end-to-end tests run
# (Prometheus) and what the deployment checks read YAML with (python3-yaml).
# Idempotent: when everything is present it touches nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libspdlog-dev prometheus-cpp-dev
  libcurl4-openssl-dev libcivetweb-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 curl procps openssl libssl-dev
)
if [[ "${1:-}" == "--with-test-tools" ]]; then
  packages+=(prometheus python3-yaml)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# Packages that ship services (prometheus) must not start them here: the
# tests run their own instances on free loopback ports.
policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
fi
status=0
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  >/dev/null || status=$?
[[ -n "$policy" ]] && "${sudo_cmd[@]}" rm -f "$policy"
exit "$status"
