#ifndef PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_
#define PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace progress {

// HTTPS for /metrics: the daemon's own certificate and key (PEM files), and
// optionally the CA whose client certificates alone may scrape.
struct MetricsTls {
  std::string cert_file;  // Empty: plain HTTP.
  std::string key_file;
  std::string client_ca_file;  // Set: scrapers need a certificate from it.
};

// The HTTP /metrics endpoint (prometheus-cpp's pull exposer), on its own
// address apart from gRPC. Serves until destroyed.
class MetricsEndpoint {
 public:
  // Listens on `address` (host:port; port 0 picks a free one), over HTTPS
  // when `tls` names a certificate. UNAVAILABLE if it cannot be bound;
  // FAILED_PRECONDITION if HTTPS cannot be served on this machine (see
  // civetweb_tls.h) or the files cannot be used.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      std::shared_ptr<prometheus::Collectable> collectable,
      const MetricsTls& tls = {});

  int port() const { return port_; }
  // "https" or "http".
  const char* scheme() const { return https_ ? "https" : "http"; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Collectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  bool https_ = false;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_
