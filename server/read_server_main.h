#ifndef PROGRESS_SERVER_READ_SERVER_MAIN_H_
#define PROGRESS_SERVER_READ_SERVER_MAIN_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "stop_signals.h"

namespace progress {

struct ReadServerConfig {
  int region_fd = -1;  // --read_server_fd
  std::string listen;  // --read_listen
  size_t max_job_name_bytes = 128;
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext
};

// progressd started as its own read server (ReadServerProcess): serves
// GetCounts and ListJobs on config.listen from the snapshot region until a
// stop signal, or until the daemon that started it exits. Returns the exit
// code.
int RunReadServer(const ReadServerConfig& config, const StopSignals& signals);

}  // namespace progress

#endif  // PROGRESS_SERVER_READ_SERVER_MAIN_H_
