#ifndef PROGRESS_SERVER_METRICS_METRICS_ROUTE_H_
#define PROGRESS_SERVER_METRICS_METRICS_ROUTE_H_

#include <prometheus/collectable.h>

#include <memory>

#include "http/http_server.h"

namespace progress {

// Where Prometheus scrapes.
inline constexpr char kMetricsPath[] = "/metrics";

// /metrics in Prometheus' text format, collected from `collectable` at
// each scrape and written by prometheus-cpp's own serializer: what its
// Exposer serves, on our HTTP server, which also serves the web page
// (prometheus-cpp 1.0's Exposer cannot serve other handlers).
HttpRoute MetricsRoute(std::shared_ptr<prometheus::Collectable> collectable);

}  // namespace progress

#endif  // PROGRESS_SERVER_METRICS_METRICS_ROUTE_H_
