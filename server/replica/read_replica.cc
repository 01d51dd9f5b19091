#include "replica/read_replica.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rpc/progress_server.h"
#include "rpc/read_handlers.h"
#include "thread_name.h"

namespace progress {
namespace {

// Rates and ages move with time alone; republish at least this often.
constexpr absl::Duration kRefreshEvery = absl::Seconds(1);

// The largest snapshot the limits allow (every job at the longest name,
// plus room for the fixed fields of each), or twice the first one: a state
// file may hold more jobs, or longer names, than today's limits.
size_t Capacity(const RegistryLimits& limits, size_t first_snapshot) {
  const size_t by_limits =
      static_cast<size_t>(limits.max_jobs) *
      (static_cast<size_t>(limits.max_job_name_bytes) + 160);
  return (64 << 10) + std::max(by_limits, 2 * first_snapshot);
}

constexpr absl::Duration kMaxRestartDelay = absl::Minutes(1);

}  // namespace

ReadReplica::Snapshot ReadReplica::TakeSnapshot(const JobRegistry& registry) {
  Snapshot snapshot;
  snapshot.started = absl::Now();
  // Read before listing: a change made meanwhile is published next time.
  snapshot.changes = registry.changes();
  // Every job, as ListJobs would return them all on one page.
  v1::ListJobsResponse jobs;
  registry.ForEachJob(
      [&jobs](const JobSnapshot& job) { ToProto(job, jobs.add_jobs()); });
  snapshot.bytes = jobs.SerializeAsString();
  snapshot.taken = absl::Now();
  return snapshot;
}

absl::StatusOr<std::unique_ptr<ReadReplica>> ReadReplica::Start(
    ReadReplicaOptions options, JobRegistry* registry) {
  const Snapshot first = TakeSnapshot(*registry);
  absl::StatusOr<SnapshotRegion> region =
      SnapshotRegion::Create(Capacity(registry->limits(), first.bytes.size()));
  if (!region.ok()) return region.status();
  std::unique_ptr<ReadReplica> replica(
      new ReadReplica(std::move(options), registry, *std::move(region)));
  if (absl::Status published = replica->Publish(first); !published.ok()) {
    return published;
  }
  absl::StatusOr<std::unique_ptr<ReadServerProcess>> process =
      ReadServerProcess::Spawn(replica->options_.daemon_args,
                               replica->options_.listen, replica->region_);
  if (!process.ok()) return process.status();
  replica->process_ = *std::move(process);
  replica->spawned_at_ = absl::Now();
  absl::StatusOr<int> port = WaitForReadServerPort(
      replica->region_, *replica->process_, absl::Seconds(10));
  if (!port.ok()) return port.status();
  replica->port_ = *port;
  replica->publisher_ =
      std::thread(&ReadReplica::PublishUntilStopped, replica.get());
  while (replica->publisher_tid() == 0) absl::SleepFor(absl::Microseconds(50));
  return replica;
}

ReadReplica::ReadReplica(ReadReplicaOptions options, JobRegistry* registry,
                         SnapshotRegion region)
    : options_(std::move(options)),
      registry_(registry),
      region_(std::move(region)) {}

ReadReplica::~ReadReplica() {
  stop_.Notify();
  if (publisher_.joinable()) publisher_.join();
  process_.reset();
}

void ReadReplica::PublishUntilStopped() {
  NameThisThread("publish");
  publisher_tid_ = gettid();
  while (!stop_.WaitForNotificationWithTimeout(options_.publish_interval)) {
    const absl::Time now = absl::Now();
    if (now >= next_publish_ && (registry_->changes() != published_changes_ ||
                                 now - published_at_ >= kRefreshEvery)) {
      // On failure the read server keeps the last snapshot and calls it
      // stale (its reads fail UNAVAILABLE) once it is a few seconds old.
      const absl::Status published = Publish(TakeSnapshot(*registry_));
      if (!published.ok() && now - last_error_logged_ >= absl::Minutes(1)) {
        spdlog::error("read server not updated: {}", published.ToString());
        last_error_logged_ = now;
      }
    }
    RestartIfEnded();
  }
}

absl::Status ReadReplica::Publish(const Snapshot& snapshot) {
  next_publish_ = snapshot.taken + 9 * (snapshot.taken - snapshot.started);
  if (absl::Status published = region_.Publish(snapshot.bytes, snapshot.taken);
      !published.ok()) {
    return published;
  }
  published_changes_ = snapshot.changes;
  published_at_ = snapshot.taken;
  return absl::OkStatus();
}

void ReadReplica::RestartIfEnded() {
  std::string how_it_ended;
  if (process_->Running(&how_it_ended)) return;
  const absl::Time now = absl::Now();
  if (now < next_restart_) return;
  // Back off from a read server that keeps failing (its port taken, its
  // certificate gone); one that ran a while starts over at a second.
  if (now - spawned_at_ > kMaxRestartDelay) restart_delay_ = absl::Seconds(1);
  next_restart_ = now + restart_delay_;
  restart_delay_ = std::min(2 * restart_delay_, kMaxRestartDelay);
  // The same port, so readers find it again.
  const std::string listen = BoundAddress(options_.listen, port_);
  spdlog::error("the read server process {}; starting it again on {}",
                how_it_ended, listen);
  region_.set_port(0);
  absl::StatusOr<std::unique_ptr<ReadServerProcess>> process =
      ReadServerProcess::Spawn(options_.daemon_args, listen, region_);
  if (!process.ok()) {
    spdlog::error("{}", process.status().ToString());
    return;
  }
  process_ = *std::move(process);
  spawned_at_ = now;
}

}  // namespace progress
