#include "metrics/metrics_collector.h"

#include <utility>

namespace progress {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void Add(MetricFamily& family, std::vector<ClientMetric::Label> labels,
         double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

MetricsCollector::MetricsCollector(const JobRegistry* registry,
                                   const ServerStats* stats,
                                   MetricsOptions options)
    : registry_(registry), stats_(stats), options_(std::move(options)) {}

std::vector<MetricFamily> MetricsCollector::Collect() const {
  std::vector<MetricFamily> families;
  CollectJobs(&families);
  CollectHealth(&families);
  if (options_.snapshots != nullptr) CollectSnapshots(&families);
  return families;
}

void MetricsCollector::CollectJobs(std::vector<MetricFamily>* families) const {
  MetricFamily success = Family("progress_tracker_success_total",
                                "Records that succeeded, summed over clients.",
                                MetricType::Counter);
  MetricFamily failure =
      Family("progress_tracker_failure_total",
             "Records that failed, summed over clients.", MetricType::Counter);
  MetricFamily rate = Family(
      "progress_tracker_records_per_sec",
      "Records per second over the daemon's --rate_window.", MetricType::Gauge);
  MetricFamily expected =
      Family("progress_tracker_expected_records",
             "Records the job expects, when known.", MetricType::Gauge);
  MetricFamily done =
      Family("progress_tracker_job_done", "1 once the job is finished, else 0.",
             MetricType::Gauge);
  MetricFamily clients =
      Family("progress_tracker_job_clients",
             "Distinct clients that reported on the job.", MetricType::Gauge);

  const absl::Time now = options_.clock();
  registry_->ForEachJob([&](const JobSnapshot& job) {
    if (job.finish_time.has_value() &&
        now - *job.finish_time > options_.finished_job_ttl) {
      return;
    }
    const std::vector<ClientMetric::Label> labels = {{"job", job.name}};
    Add(success, labels, static_cast<double>(job.success));
    Add(failure, labels, static_cast<double>(job.failure));
    Add(rate, labels, job.recent_rate);
    if (job.expected_total > 0) {
      Add(expected, labels, static_cast<double>(job.expected_total));
    }
    Add(done, labels, job.done ? 1.0 : 0.0);
    Add(clients, labels, job.clients);
  });

  for (MetricFamily* family :
       {&success, &failure, &rate, &expected, &done, &clients}) {
    families->push_back(std::move(*family));
  }
}

void MetricsCollector::CollectHealth(
    std::vector<MetricFamily>* families) const {
  const RegistryStats registry = registry_->Stats();

  MetricFamily jobs = Family("progress_tracker_jobs", "Jobs the daemon holds.",
                             MetricType::Gauge);
  Add(jobs, {}, static_cast<double>(registry.jobs));
  families->push_back(std::move(jobs));

  MetricFamily streams =
      Family("progress_tracker_increment_streams_active",
             "Increment streams open now.", MetricType::Gauge);
  Add(streams, {}, static_cast<double>(stats_->active_streams()));
  families->push_back(std::move(streams));

  MetricFamily clients =
      Family("progress_tracker_known_clients",
             "(job, client) pairs the daemon keeps applied values for, "
             "folded ones aside.",
             MetricType::Gauge);
  Add(clients, {}, static_cast<double>(registry.client_cursors));
  families->push_back(std::move(clients));

  MetricFamily tombstones = Family(
      "progress_tracker_client_tombstones",
      "Folded (job, client) pairs whose values are remembered, so the client "
      "can pick up where it left off (--tombstone_ttl).",
      MetricType::Gauge);
  Add(tombstones, {}, static_cast<double>(registry.tombstones));
  families->push_back(std::move(tombstones));

  MetricFamily folded = Family(
      "progress_tracker_clients_folded_total",
      "(job, client) pairs folded into their job's retired sum: the client "
      "shut down cleanly or was silent for --client_ttl.",
      MetricType::Counter);
  Add(folded, {}, static_cast<double>(registry.clients_folded));
  families->push_back(std::move(folded));

  MetricFamily dropped =
      Family("progress_tracker_jobs_dropped_total",
             "Finished jobs dropped --finished_job_ttl after they finished.",
             MetricType::Counter);
  Add(dropped, {}, static_cast<double>(registry.jobs_dropped));
  families->push_back(std::move(dropped));

  MetricFamily messages =
      Family("progress_tracker_increment_messages_total",
             "Increment messages applied; keepalives without jobs are not "
             "counted.",
             MetricType::Counter);
  Add(messages, {}, static_cast<double>(stats_->increment_messages()));
  families->push_back(std::move(messages));

  MetricFamily ignored = Family(
      "progress_tracker_regressions_ignored_total",
      "Job entries whose cumulative value was lower than one already applied "
      "(late or reordered messages); ignored, never subtracted.",
      MetricType::Counter);
  Add(ignored, {}, static_cast<double>(registry.regressions_ignored));
  families->push_back(std::move(ignored));

  MetricFamily rejected = Family(
      "progress_tracker_rejected_total",
      "Streams and calls answered with an error, by RPC and status code.",
      MetricType::Counter);
  for (int rpc = 0; rpc < kRpcCount; ++rpc) {
    for (int code = 1; code < ServerStats::kCodeCount; ++code) {
      const uint64_t count = stats_->rejected(
          static_cast<Rpc>(rpc), static_cast<absl::StatusCode>(code));
      if (count == 0) continue;
      Add(rejected,
          {{"rpc", RpcName(static_cast<Rpc>(rpc))},
           {"code",
            absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}},
          static_cast<double>(count));
    }
  }
  families->push_back(std::move(rejected));

  MetricFamily start =
      Family("progress_tracker_start_time_seconds",
             "When the daemon started, in Unix seconds.", MetricType::Gauge);
  Add(start, {},
      absl::ToDoubleSeconds(options_.start_time - absl::UnixEpoch()));
  families->push_back(std::move(start));

  MetricFamily build =
      Family("progress_tracker_build_info",
             "Always 1; the labels say which build runs.", MetricType::Gauge);
  Add(build, {{"version", options_.version}}, 1.0);
  families->push_back(std::move(build));
}

void MetricsCollector::CollectSnapshots(
    std::vector<MetricFamily>* families) const {
  const SnapshotStats& stats = *options_.snapshots;
  MetricFamily written =
      Family("progress_tracker_state_snapshots_total",
             "Snapshots written to --state_file.", MetricType::Counter);
  Add(written, {},
      static_cast<double>(stats.written.load(std::memory_order_relaxed)));
  families->push_back(std::move(written));

  MetricFamily failed =
      Family("progress_tracker_state_snapshot_failures_total",
             "Snapshots that could not be written (disk full, directory gone, "
             "read-only); each is retried, and the daemon keeps serving.",
             MetricType::Counter);
  Add(failed, {},
      static_cast<double>(stats.failed.load(std::memory_order_relaxed)));
  families->push_back(std::move(failed));

  MetricFamily last = Family(
      "progress_tracker_state_last_snapshot_time_seconds",
      "When the last snapshot was written, in Unix seconds; 0 before the "
      "first.",
      MetricType::Gauge);
  Add(last, {},
      static_cast<double>(
          stats.last_written_unix.load(std::memory_order_relaxed)));
  families->push_back(std::move(last));

  MetricFamily bytes =
      Family("progress_tracker_state_snapshot_bytes",
             "Size of the last snapshot written.", MetricType::Gauge);
  Add(bytes, {},
      static_cast<double>(stats.last_bytes.load(std::memory_order_relaxed)));
  families->push_back(std::move(bytes));
}

}  // namespace progress
