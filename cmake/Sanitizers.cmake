# PROGRESS_SANITIZE builds everything we compile and link with sanitizers:
# "address,undefined" (the whole suite, scripts/sanitize.sh asan) or "thread"
# (the concurrency tests, scripts/sanitize.sh tsan). Applied directory-wide
# before any target exists, so the daemon, the client library, the tests and
# the workers they spawn are all instrumented alike; a process made of some
# instrumented and some plain objects reports less, or falsely.
set(PROGRESS_SANITIZE "" CACHE STRING
  "Sanitizers to build with: empty, address,undefined, or thread")
set_property(CACHE PROGRESS_SANITIZE PROPERTY STRINGS
  "" "address,undefined" "address" "undefined" "thread")

if(PROGRESS_SANITIZE)
  if(PROGRESS_SANITIZE MATCHES "thread" AND PROGRESS_SANITIZE MATCHES "address")
    message(FATAL_ERROR "PROGRESS_SANITIZE: thread and address exclude each other")
  endif()
  # Frame pointers give whole stacks in reports at little cost; without
  # -fno-sanitize-recover UBSan only prints and the test still passes.
  set(progress_sanitize_flags
    -fsanitize=${PROGRESS_SANITIZE} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  # GCC warns of uninitialised reads that the sanitizers' instrumentation
  # makes up (libstdc++'s <regex> at -O1, say); the plain build keeps the
  # warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND progress_sanitize_flags -Wno-maybe-uninitialized)
  endif()
  # The fuzzers' build gives libFuzzer coverage of all the code it compiles.
  if(PROGRESS_BUILD_FUZZERS)
    list(APPEND progress_sanitize_flags -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options(${progress_sanitize_flags})
  add_link_options(-fsanitize=${PROGRESS_SANITIZE})
  # Optimised builds keep the reports' line numbers right enough; -O1 keeps
  # ASan's slowdown down without inlining whole stacks away.
  string(REPLACE "-O2" "-O1" CMAKE_CXX_FLAGS_RELWITHDEBINFO
    "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
  string(REPLACE "-O2" "-O1" CMAKE_C_FLAGS_RELWITHDEBINFO
    "${CMAKE_C_FLAGS_RELWITHDEBINFO}")

  # A program we did not build (python3, a consumer compiled by a test
  # script) that loads the instrumented libprogress_client.so must have the
  # sanitizer's runtime loaded first, or ASan and TSan refuse to start.
  if(PROGRESS_SANITIZE MATCHES "address")
    set(progress_sanitizer_runtime_name libasan.so)
  elseif(PROGRESS_SANITIZE MATCHES "thread")
    set(progress_sanitizer_runtime_name libtsan.so)
  endif()
  if(progress_sanitizer_runtime_name)
    execute_process(
      COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${progress_sanitizer_runtime_name}
      OUTPUT_VARIABLE PROGRESS_SANITIZER_RUNTIME
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    # The versioned file, so the preload matches what the library NEEDs.
    # clang answers a bare name: its runtimes are not shared libraries.
    if(IS_ABSOLUTE "${PROGRESS_SANITIZER_RUNTIME}")
      file(REAL_PATH "${PROGRESS_SANITIZER_RUNTIME}" PROGRESS_SANITIZER_RUNTIME)
    else()
      unset(PROGRESS_SANITIZER_RUNTIME)
    endif()
  endif()
endif()

# Tests whose process is a program we did not build hosting our library
# (python3, a consumer a test script compiles): the runtime is preloaded,
# and leaks are not checked there, as such hosts free little at exit by
# design (CPython never frees its interpreter state). The variables reach
# the daemons those tests spawn too; the rest of the suite runs our own
# programs with leak checking.
function(progress_sanitizer_hosted_tests)
  if(NOT PROGRESS_SANITIZER_RUNTIME)
    return()
  endif()
  set_tests_properties(${ARGN} PROPERTIES ENVIRONMENT_MODIFICATION
    "LD_PRELOAD=set:${PROGRESS_SANITIZER_RUNTIME};ASAN_OPTIONS=string_append::detect_leaks=0")
endfunction()

# Called once every target exists. The sanitizers intercept dlopen(), so
# the dynamic linker sees their runtime as the caller, and searches its run
# path (none) rather than progressd's: the civetweb shims progressd loads
# from its RUNPATH would not be found. An old-style RPATH on the program is
# searched whoever the caller is.
function(progress_sanitizer_adjust_targets)
  if(PROGRESS_SANITIZE)
    target_link_options(progressd PRIVATE -Wl,--disable-new-dtags)
  endif()
endfunction()
