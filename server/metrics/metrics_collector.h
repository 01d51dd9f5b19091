#ifndef PROGRESS_SERVER_METRICS_METRICS_COLLECTOR_H_
#define PROGRESS_SERVER_METRICS_METRICS_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "registry/job_registry.h"
#include "rpc/server_stats.h"
#include "state/snapshotter.h"

namespace progress {

struct MetricsOptions {
  // Finished jobs leave /metrics this long after finishing; infinite keeps
  // them.
  absl::Duration finished_job_ttl = absl::InfiniteDuration();
  absl::Time start_time = absl::Now();
  std::string version;
  // The state file's snapshotter; null without --state_file.
  const SnapshotStats* snapshots = nullptr;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Builds the /metrics families from the daemon's own counters when scraped,
// so the Increment path does no metrics work at all, and counts are exact
// integers in the exposition up to 2^53.
//
// Thread-safe: Collect() only reads the registry and the stats.
class MetricsCollector : public prometheus::Collectable {
 public:
  MetricsCollector(const JobRegistry* registry, const ServerStats* stats,
                   MetricsOptions options);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void CollectJobs(std::vector<prometheus::MetricFamily>* families) const;
  void CollectHealth(std::vector<prometheus::MetricFamily>* families) const;
  void CollectSnapshots(std::vector<prometheus::MetricFamily>* families) const;

  const JobRegistry* const registry_;
  const ServerStats* const stats_;
  const MetricsOptions options_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_METRICS_METRICS_COLLECTOR_H_
