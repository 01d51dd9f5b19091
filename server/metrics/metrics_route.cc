#include "metrics/metrics_route.h"

#include <prometheus/text_serializer.h>

#include <utility>
#include <vector>

namespace progress {

HttpRoute MetricsRoute(std::shared_ptr<prometheus::Collectable> collectable) {
  return [collectable = std::move(collectable)](const HttpRequest&) {
    const std::vector<prometheus::MetricFamily> families =
        collectable->Collect();
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        prometheus::TextSerializer().Serialize(families)};
  };
}

}  // namespace progress
