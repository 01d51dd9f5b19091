#include "bench_target.h"

#include <cstdio>

#include "absl/flags/flag.h"
#include "bench_flags.h"
#include "tls_flags.h"

namespace progress::bench {

std::optional<Target> TargetFromFlags(bool server_required) {
  Target target;
  const absl::StatusOr<Backend> backend =
      ParseBackend(absl::GetFlag(FLAGS_backend));
  absl::StatusOr<internal::ChannelSecurity> security =
      internal::ChannelSecurityFromFlags();
  for (const absl::Status& status : {backend.status(), security.status()}) {
    if (!status.ok()) {
      std::fprintf(stderr, "progress-bench: %s\n", status.ToString().c_str());
      return std::nullopt;
    }
  }
  target.backend = *backend;
  target.security = *std::move(security);
  target.address = absl::GetFlag(FLAGS_server);
  if (target.address.empty() && server_required) {
    std::fprintf(stderr,
                 "progress-bench: --server=host:port is required (a running "
                 "progressd, or redis-server with --backend=redis)\n");
    return std::nullopt;
  }
  if (target.backend == Backend::kRedis && target.security.tls) {
    std::fprintf(stderr, "progress-bench: TLS is for progressd only\n");
    return std::nullopt;
  }
  return target;
}

}  // namespace progress::bench
