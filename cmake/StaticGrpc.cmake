# What libprogress_client.so links instead of Debian's shared gRPC.
#
# The library runs inside other people's processes (Ray workers), which may
# carry another gRPC. If the library imported gRPC from shared objects, the
# dynamic linker could bind its calls to the host's copy (or the host's to
# ours). So gRPC (grpc++, grpc, gpr, upb, address_sorting) and c-ares go in
# as static archives and are hidden (--exclude-libs plus the version
# script); spdlog and fmt are compiled in header-only. OpenSSL and zlib stay
# shared so Debian's security updates reach them; their symbols are safe to
# share (OpenSSL's are versioned OPENSSL_3.0.0, zlib's C API is stable).
#
# Protobuf, Abseil and re2 stay shared, for want of usable archives: Debian
# builds libprotobuf.a, libabsl_*.a and libre2.a as PIE, not PIC (local-exec
# TLS relocations, PC32 references to libstdc++ data), and the linker
# refuses those in a shared object. Debian's Abseil symbols carry the inline
# namespace absl::debian3, so they cannot meet a foreign Abseil anyway.
#
# The daemon, the reporter, the tests and the benchmarks keep the shared
# libraries; only progress_client links progress_static_grpc.

find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)

set(progress_static_archives grpc++ grpc gpr upb address_sorting cares)
set(progress_static_paths)
foreach(name IN LISTS progress_static_archives)
  find_library(PROGRESS_STATIC_${name} NAMES lib${name}.a)
  if(NOT PROGRESS_STATIC_${name})
    message(FATAL_ERROR
      "lib${name}.a not found: libprogress_client.so links gRPC and c-ares "
      "statically. On Debian install libgrpc++-dev, libgrpc-dev and "
      "libc-ares-dev (scripts/install-deps.sh does).")
  endif()
  list(APPEND progress_static_paths ${PROGRESS_STATIC_${name}})
endforeach()

# An archive built as PIE (Debian's default for objects) fails the link
# with a cryptic relocation error; name it instead. Local-exec TLS
# relocations (TPOFF32) are what PIE objects with thread-locals show; other
# position-dependent code the linker reports with "recompile with -fPIC".
# Checked once per set of archives (seconds of readelf), not every time.
if(NOT PROGRESS_STATIC_PIC_CHECKED STREQUAL "${progress_static_paths}")
  foreach(archive IN LISTS progress_static_paths)
    execute_process(
      COMMAND readelf -rW ${archive}
      COMMAND grep -c -E "R_X86_64_(TPOFF32|32|32S) "
      OUTPUT_VARIABLE count OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT count STREQUAL "0")
      message(FATAL_ERROR
        "${archive} is not position-independent (${count} local-exec TLS or "
        "absolute relocations), so it cannot be linked into "
        "libprogress_client.so.")
    endif()
  endforeach()
  set(PROGRESS_STATIC_PIC_CHECKED "${progress_static_paths}" CACHE INTERNAL
    "Static archives found position-independent")
endif()

# The shared libraries the archives call into, as Debian's own gRPC targets
# name them (so a gRPC that needs another Abseil part brings it along).
set(progress_grpc_shared_deps protobuf::libprotobuf re2::re2)
foreach(target gRPC::gpr gRPC::grpc gRPC::grpc++)
  get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
  list(FILTER deps INCLUDE REGEX "^absl::")
  list(APPEND progress_grpc_shared_deps ${deps})
endforeach()
list(REMOVE_DUPLICATES progress_grpc_shared_deps)

add_library(progress_static_grpc INTERFACE)
# One group: the archives refer to each other in cycles (grpc and gpr, grpc
# and upb), which a single pass of the linker would not resolve.
target_link_libraries(progress_static_grpc INTERFACE
  -Wl,--start-group ${progress_static_paths} -Wl,--end-group
  ${progress_grpc_shared_deps}
  OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB Threads::Threads)
# --exclude-libs: the archives' symbols are local whatever their visibility
# when compiled, so none leaves the library even if the version script were
# loosened. --as-needed: of the many Abseil libraries Debian's gRPC targets
# list, only those the library calls become NEEDED.
target_link_options(progress_static_grpc INTERFACE
  -Wl,--exclude-libs,ALL -Wl,--as-needed)

# spdlog (and its fmt) have no static archives on Debian, so the library
# uses both header-only: all their code is compiled in, hidden, and
# libspdlog.so / libfmt.so are not loaded. Debian's spdlog_header_only target
# would still link the shared libfmt, hence this target of our own.
add_library(progress_spdlog_header_only INTERFACE)
get_target_property(progress_spdlog_includes spdlog::spdlog_header_only
  INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(progress_spdlog_header_only SYSTEM INTERFACE
  ${progress_spdlog_includes})
target_compile_definitions(progress_spdlog_header_only INTERFACE
  SPDLOG_FMT_EXTERNAL)
target_link_libraries(progress_spdlog_header_only INTERFACE
  fmt::fmt-header-only)

# Compiles the objects of the internal static libraries `libs` into
# `target`, with their include directories and definitions, without
# linking them: linking them would also link the shared gRPC they carry as
# usage requirements.
function(progress_embed_objects target)
  foreach(lib IN LISTS ARGN)
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${lib}>)
    target_include_directories(${target} PRIVATE
      $<TARGET_PROPERTY:${lib},INTERFACE_INCLUDE_DIRECTORIES>)
    target_compile_definitions(${target} PRIVATE
      $<TARGET_PROPERTY:${lib},INTERFACE_COMPILE_DEFINITIONS>)
    # Generated headers (progress.pb.h) must exist before our sources
    # compile, which a link dependency used to ensure.
    add_dependencies(${target} ${lib})
  endforeach()
endfunction()
