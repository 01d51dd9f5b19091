#ifndef PROGRESS_SERVER_HTTP_SERVING_H_
#define PROGRESS_SERVER_HTTP_SERVING_H_

// progressd's HTTP listener (--metrics_listen): /metrics, the web page of
// every job, and its JSON API, on one civetweb server.
#include <memory>

#include "absl/status/statusor.h"
#include "daemon_config.h"
#include "http/http_server.h"
#include "registry/job_registry.h"
#include "rpc/server_stats.h"
#include "state/snapshotter.h"

namespace progress {

// Starts it on config.metrics_listen (null when that is empty), over HTTPS
// when `tls_on` and civetweb can do HTTPS here. Without HTTPS it still
// serves on loopback, saying so in the log; anywhere else it refuses
// (FAILED_PRECONDITION), as plaintext would undo what TLS was asked for.
// `snapshots` is null without a state file. Everything passed must outlive
// the server.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServing(
    const DaemonConfig& config, bool tls_on, const JobRegistry* registry,
    const ServerStats* stats, const SnapshotStats* snapshots);

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_SERVING_H_
