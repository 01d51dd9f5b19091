#!/usr/bin/env bash
# Prints, one a line, the Debian packages that hold the shared libraries the
# given programs and libraries load (as ldd resolves them here), so that an
# image can install exactly those and nothing else. Fails if a library is
# missing or belongs to no package.
#
#   runtime-packages.sh FILE...
set -euo pipefail

declare -A packages=()

# The package holding a library: ldd may give a path dpkg knows under the
# other side of the /usr merge, or a symlink, so try each spelling.
owner() {
  local library=$1 real candidate line
  real=$(readlink -f "$library")
  for candidate in "$library" "$real" "/usr$library" "${library#/usr}" \
    "/usr$real" "${real#/usr}"; do
    line=$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' |
      head -n 1) || true
    if [[ -n "$line" ]]; then
      line=${line%%: *}
      echo "${line%%:*}"
      return 0
    fi
  done
  return 1
}

for file in "$@"; do
  listing=$(ldd "$file")
  if grep -q 'not found' <<<"$listing"; then
    echo "runtime-packages: $file needs libraries that are not installed:" >&2
    grep 'not found' <<<"$listing" >&2
    exit 1
  fi
  # "libx.so => /path (0x...)" and the loader's own "/path (0x...)".
  while read -r library; do
    package=$(owner "$library") || {
      echo "runtime-packages: no package holds $library (for $file)" >&2
      exit 1
    }
    packages[$package]=1
  done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
    <<<"$listing")
done
printf '%s\n' "${!packages[@]}" | sort
