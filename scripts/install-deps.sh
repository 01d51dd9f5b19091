#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build needs and this machine
# lacks. Idempotent: when everything is present it touches nothing.
#
#   install-deps.sh [--without-tests] [--without-benchmarks]
#                   [--with-test-tools] [--with-container-tools]
#
#   --without-tests         leave out GoogleTest and the tools the tests and the
#                           demo use (python3, curl, procps, openssl,
#                           pytest, grpcio and protobuf for the Python
#                           binding's tests, and clang with its libFuzzer
#                           for tests/fuzz)
#   --without-benchmarks    leave out Google Benchmark
#   --with-test-tools       also the servers the end-to-end tests run
#                           (Prometheus, and Redis for bench/compare), what
#                           the deployment checks read YAML with
#                           (python3-yaml), gnuplot for bench/plot, and
#                           the headless browser the web page's test and
#                           scripts/web_screenshot.py drive (chromium,
#                           chromium-driver, python3-selenium)
#   --with-container-tools  also what deploy/container-test uses to build and
#                           run the image without a Docker engine (podman, see
#                           the README's "Container image")
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libspdlog-dev prometheus-cpp-dev
  libcurl4-openssl-dev libcivetweb-dev zlib1g-dev libssl-dev
)
test_packages=(libgtest-dev libgmock-dev python3 curl procps openssl
  python3-pytest python3-grpcio python3-protobuf python3-venv
  clang libclang-rt-dev)
benchmark_packages=(libbenchmark-dev)
test_tool_packages=(prometheus python3-yaml redis-server gnuplot-nox
  chromium chromium-driver python3-selenium)
container_tool_packages=(
  podman buildah runc debootstrap uidmap slirp4netns fuse-overlayfs
)

with_tests=1
with_benchmarks=1
packages=("${build_packages[@]}")
for option in "$@"; do
  case "$option" in
    --without-tests) with_tests=0 ;;
    --without-benchmarks) with_benchmarks=0 ;;
    --with-test-tools) packages+=("${test_tool_packages[@]}") ;;
    --with-container-tools) packages+=("${container_tool_packages[@]}") ;;
    *)
      echo "install-deps: unknown option '$option'" >&2
      exit 2
      ;;
  esac
done
((with_tests)) && packages+=("${test_packages[@]}")
((with_benchmarks)) && packages+=("${benchmark_packages[@]}")

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
