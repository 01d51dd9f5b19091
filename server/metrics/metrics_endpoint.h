#ifndef PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_
#define PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace progress {

// The HTTP /metrics endpoint (prometheus-cpp's pull exposer), on its own
// address apart from gRPC. Serves until destroyed.
class MetricsEndpoint {
 public:
  // Listens on `address` (host:port; port 0 picks a free one).
  // UNAVAILABLE if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      std::shared_ptr<prometheus::Collectable> collectable);

  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Collectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_METRICS_METRICS_ENDPOINT_H_
