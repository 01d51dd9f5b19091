#!/usr/bin/env bash
# Builds Debian's own Abseil source, the version installed, with
# ThreadSanitizer, and prints the prefix it is installed in (for
# CMAKE_PREFIX_PATH). Done once per DEST and version.
#
#   tsan-absl.sh DEST
#
# Why: absl::Mutex synchronises through its own futex and spin code, and
# tells TSan what it does only when compiled with -fsanitize=thread. Against
# Debian's plain libabsl every lock handoff is invisible and TSan reports
# each guarded access as a race. The source comes through apt-get source
# with a sources list of its own (the machine's apt configuration is left
# alone), from the archive the binary packages came from, so the copy is
# the same code with Debian's patches, inline namespace included, plus one
# of ours for TSan (tests/sanitizers/absl-mutex-tsan.patch).
set -euo pipefail
dest=$1
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
version=$(dpkg-query -W -f='${Version}' libabsl-dev)
patch_file=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/sanitizers/absl-mutex-tsan.patch
prefix=$dest/install
stamp=$prefix/.built-$version-$(sha256sum "$patch_file" | cut -c1-12)
if [[ -e "$stamp" ]]; then
  echo "$prefix"
  exit 0
fi

apt_dir=$dest/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
  "$apt_dir/parts"
cat >"$apt_dir/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
apt_options=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
  -o Dir::Etc::SourceParts="$apt_dir/parts"
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root)
# The messages go to stderr: stdout carries only the prefix.
apt-get "${apt_options[@]}" -qq update >&2
rm -rf "$dest/src" && mkdir -p "$dest/src"
(cd "$dest/src" && apt-get "${apt_options[@]}" -qq source --download-only \
  "abseil=$version" >&2)
dpkg-source -x "$dest"/src/abseil_*.dsc "$dest/src/abseil" >&2
# A TSan false positive inside Abseil's Mutex, fixed upstream later (the
# patch says how).
patch -p1 -d "$dest/src/abseil" <"$patch_file" >&2
rm -rf "$dest/build" "$prefix"

# Static, position-independent, as debian/rules builds it otherwise.
flags="-fsanitize=thread -fno-omit-frame-pointer -g -O1"
cmake -S "$dest/src/abseil" -B "$dest/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DBUILD_TESTING=OFF -DABSL_PROPAGATE_CXX_STD=ON \
  -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$dest/build" -- -j"$(nproc)" >&2
cmake --install "$dest/build" >/dev/null
touch "$stamp"
echo "$prefix"
