#include "http_serving.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "http/civetweb_tls.h"
#include "metrics/metrics_collector.h"
#include "metrics/metrics_route.h"
#include "rpc/server_tls.h"
#include "web/web_routes.h"

namespace progress {

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServing(
    const DaemonConfig& config, bool tls_on, const JobRegistry* registry,
    const ServerStats* stats, const SnapshotStats* snapshots) {
  const std::string& listen = config.metrics_listen;
  if (listen.empty()) return nullptr;
  HttpTls tls;
  if (tls_on) {
    // Without HTTPS, the listener (read-only) may still serve on loopback,
    // and says so; anywhere else that would undo what TLS was asked for.
    if (absl::Status https = PrepareCivetwebTls(); https.ok()) {
      const ServerTlsFiles& files = config.tls_files;
      tls = {files.cert_file, files.key_file, files.client_ca_file};
    } else if (IsLoopbackAddress(listen)) {
      spdlog::warn(
          "/metrics and the web page stay plain HTTP on loopback: cannot "
          "serve HTTPS ({})",
          std::string(https.message()));
    } else {
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS is on but /metrics on ", listen, " cannot serve HTTPS (",
          https.message(),
          "), and it will not serve metrics in plaintext off loopback: "
          "install progressd with its civetweb OpenSSL shims, or move "
          "--metrics_listen to loopback"));
    }
  }
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(listen, tls);
  if (!server.ok()) return server.status();

  MetricsOptions metrics_options;
  metrics_options.finished_job_ttl = config.registry.retention.finished_job_ttl;
  metrics_options.version = PROGRESS_VERSION;
  metrics_options.snapshots = snapshots;
  (*server)->Route(kMetricsPath,
                   MetricsRoute(std::make_shared<MetricsCollector>(
                       registry, stats, std::move(metrics_options))));
  AddWebRoutes(**server, registry);
  return server;
}

}  // namespace progress
