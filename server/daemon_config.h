#ifndef PROGRESS_SERVER_DAEMON_CONFIG_H_
#define PROGRESS_SERVER_DAEMON_CONFIG_H_

#include <spdlog/common.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "read_flags.h"
#include "registry/job_registry.h"
#include "rpc/progress_server.h"
#include "rpc/server_tls.h"

namespace progress {

// Everything progressd's command line says, checked and in the shapes its
// parts take.
struct DaemonConfig {
  spdlog::level::level_enum log_level = spdlog::level::info;
  RegistryOptions registry;
  // Without credentials: ServerTls() fills them from tls_files.
  ServerOptions server;
  ServerTlsFiles tls_files;
  std::string port_file;
  // Empty: no /metrics endpoint.
  std::string metrics_listen;
  std::string metrics_port_file;
  absl::Duration shutdown_grace = absl::Seconds(5);
  absl::Duration shutdown_delay = absl::ZeroDuration();
  // Empty: no state file; counts live in memory only.
  std::string state_file;
  absl::Duration snapshot_interval = absl::Seconds(1);
  ReadServingConfig reads;
};

// Parses argv with progressd's flags (--help lists them) and checks them.
// INVALID_ARGUMENT naming the flag when one is out of range.
absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv);

}  // namespace progress

#endif  // PROGRESS_SERVER_DAEMON_CONFIG_H_
