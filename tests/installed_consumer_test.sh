#!/usr/bin/env bash
# Installs the project into a temporary prefix, then builds the consumer as a
# separate project twice, with find_package(ProgressTracker) and with
# pkg-config, and runs both against a live daemon.
#   installed_consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
for installed in include/progress/client.h include/progress/client.hpp \
  bin/progressd bin/progress-reporter; do
  [[ -e "$prefix/$installed" ]] || { echo "not installed: $installed" >&2; exit 1; }
done
libdir=$(dirname "$(find "$prefix" -name 'libprogress_client.so' | head -n1)")
[[ -d "$libdir" ]] || { echo "libprogress_client.so not installed" >&2; exit 1; }
# The installed library is the self-contained one, and its package files ask
# consumers for none of the libraries it carries or keeps private.
"$source_dir/tests/exported_symbols_test.sh" "$libdir/libprogress_client.so" >/dev/null
named=$(cat "$libdir"/pkgconfig/*.pc "$libdir"/cmake/ProgressTracker/*.cmake |
  grep -v '^[[:space:]]*#' | grep -Ei 'grpc|protobuf|absl|spdlog|fmt|re2|cares' || true)
if [[ -n "$named" ]]; then
  echo "installed package files name the library's private dependencies:" >&2
  echo "$named" >&2
  exit 1
fi

cmake -S "$source_dir/tests/consumer" -B "$work/cmake-consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-consumer" >/dev/null

export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
c++ -std=c++17 "$source_dir/tests/consumer/main.cc" -o "$work/pkgconfig-consumer" \
  $(pkg-config --cflags --libs progress-tracker)

"$source_dir/tests/with_daemon.sh" "$prefix/bin/progressd" "$work/cmake-consumer/consumer"
LD_LIBRARY_PATH=$libdir "$source_dir/tests/with_daemon.sh" "$prefix/bin/progressd" \
  "$work/pkgconfig-consumer"
