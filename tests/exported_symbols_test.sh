#!/usr/bin/env bash
# The client library is self-contained as far as Debian's archives allow: it
# exports its C interface and nothing else, and it neither loads nor imports
# gRPC (grpc, gpr, upb, address_sorting), c-ares, spdlog or fmt, so none of
# them can bind to another copy in the host process (Ray carries its own
# gRPC). Protobuf, Abseil and re2 are still shared (cmake/StaticGrpc.cmake
# says why); they are listed apart below, so that they can be struck once
# they are linked statically too.
#   exported_symbols_test.sh LIBRARY
set -euo pipefail
library=$1
failed=0
fail() {
  echo "$library: $1" >&2
  [[ $# -gt 1 ]] && printf '  %s\n' "${@:2}" >&2
  failed=1
}

# The C and C++ runtimes, and OpenSSL and zlib, which Debian patches for
# security (OpenSSL's symbols are versioned, so two users cannot mix them).
system_libs='libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libssl\.so\.3|libcrypto\.so\.3|libz\.so\.1'
# Debian ships these archives as PIE, unusable in a shared object.
still_shared='libprotobuf\.so\.[0-9]+|libabsl_[a-z0-9_]+\.so\.[0-9]+|libre2\.so\.[0-9]+'
# A sanitizer build (PROGRESS_SANITIZED set by CTest) adds their runtimes.
if [[ -n "${PROGRESS_SANITIZED:-}" ]]; then
  system_libs+='|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+|libtsan\.so\.[0-9]+'
fi
allowed_needed="^($system_libs|$still_shared)\$"
dynamic=$(readelf -d -W "$library")
mapfile -t needed < <(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$dynamic")
((${#needed[@]} > 0)) || fail "no NEEDED entries (not a dynamic library?)"
mapfile -t other < <(printf '%s\n' "${needed[@]}" | grep -Ev "$allowed_needed" || true)
((${#other[@]} == 0)) || fail "needs libraries outside the allowed set:" "${other[@]}"

# What the loader actually brings in, through OpenSSL and the rest too.
foreign_libs='grpc|gpr|upb|address_sorting|cares|spdlog|fmt'
mapfile -t loaded < <(ldd "$library" | awk '{ print $1 }' |
  grep -Ei "lib($foreign_libs)" || true)
((${#loaded[@]} == 0)) || fail "loads libraries it should carry itself:" "${loaded[@]}"

# Non-PIC code in an archive would have left text relocations.
! grep -q 'TEXTREL' <<<"$dynamic" || fail "has text relocations"

# readelf --dyn-syms: Num Value Size Type Bind Vis Ndx Name[@version (n)].
symbols=$(readelf --dyn-syms -W "$library" |
  awk '$1 ~ /^[0-9]+:$/ && $5 != "LOCAL" && $8 != "" {
         name = $8; sub(/@.*/, "", name); print ($7 == "UND" ? "U" : "D"), name }')

exported=$(awk '$1 == "D" { print $2 }' <<<"$symbols" | sort)
[[ -n "$exported" ]] || fail "exports no symbols"
mapfile -t foreign < <(grep -v '^progress_' <<<"$exported" || true)
((${#foreign[@]} == 0)) ||
  fail "exports symbols outside the progress_ prefix:" "${foreign[@]:0:20}"

# Demangled, so a C++ name is matched by its namespace (fmt::).
foreign_names='grpc|spdlog|fmt::|(^|[^[:alnum:]])(gpr|ares|upb|address_sorting)_'
mapfile -t imported < <(awk '$1 == "U" { print $2 }' <<<"$symbols" | c++filt |
  grep -Ei "$foreign_names" || true)
((${#imported[@]} == 0)) ||
  fail "imports ${#imported[@]} gRPC/c-ares/spdlog/fmt symbols, e.g.:" \
    "${imported[@]:0:20}"

((failed == 0)) || exit 1
echo "exported: $(wc -l <<<"$exported") symbols, all progress_*;" \
  "needs: ${needed[*]}; imports nothing of gRPC, c-ares, spdlog or fmt"
