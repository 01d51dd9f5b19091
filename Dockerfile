# progressd and progress-reporter on Debian 12, plus the client library for
# images that want to copy it out. Two stages:
#   build    the project's own scripts install the build packages and build
#            what is installed (no tests, no benchmarks), then cmake --install
#   runtime  debian:bookworm-slim with only the shared libraries those
#            programs load, found by ldd in the build stage; runs as uid 65532
#
#   podman build --format=docker --pull=never -t progress-tracker .
#   docker build -t progress-tracker .
# (--format=docker keeps the HEALTHCHECK, which the OCI format cannot hold.)

FROM debian:bookworm-slim AS build
WORKDIR /src
# The packages first, from the install script alone, so that a source change
# does not download them again.
COPY scripts/install-deps.sh scripts/
RUN ./scripts/install-deps.sh --without-tests --without-benchmarks \
 && rm -rf /var/lib/apt/lists/*
# Only what the build reads, so that editing the README or the tests does not
# rebuild the image (.dockerignore keeps build folders and .git out anyway).
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY common common
COPY server server
COPY client client
COPY examples examples
COPY scripts scripts
COPY deploy/runtime-packages.sh deploy/
# The Python package (with its own copy of the library) is for workers'
# images, not the daemon's: it is left out.
RUN PROGRESS_BUILD_TESTS=OFF PROGRESS_BUILD_BENCHMARKS=OFF BUILD_DIR=/build \
      ./scripts/build.sh \
 && DESTDIR=/staging cmake --install /build --prefix /usr/local --strip \
 && rm -rf /staging/usr/local/lib/python3* \
 && deploy/runtime-packages.sh /staging/usr/local/bin/* \
      /staging/usr/local/lib/libprogress_client.so > /runtime-packages \
 && cat /runtime-packages

FROM debian:bookworm-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages \
      apt-get install -y --no-install-recommends \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
      /tmp/runtime-packages \
 && groupadd --system --gid 65532 progress \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent \
      --no-create-home --shell /usr/sbin/nologin progress
COPY --from=build /staging/usr/local/ /usr/local/
RUN ldconfig

# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["progress-reporter", "--check", "--server=127.0.0.1:50051", "--connect_timeout=2s"]
# Arguments after the image name replace these flags: give --listen and
# --metrics_listen again with your own (the HEALTHCHECK asks port 50051).
ENTRYPOINT ["progressd"]
CMD ["--listen=0.0.0.0:50051", "--metrics_listen=0.0.0.0:9464"]
