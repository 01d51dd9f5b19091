#include "replica/read_replica.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rpc/read_handlers.h"
#include "thread_name.h"

namespace progress {
namespace {

// Rates and ages move with time alone; republish at least this often.
constexpr absl::Duration kRefreshEvery = absl::Seconds(1);

// The largest snapshot the limits allow: every job at the longest name,
// plus room for the fixed fields of each.
size_t Capacity(const RegistryLimits& limits) {
  return (64 << 10) +
         static_cast<size_t>(limits.max_jobs) *
             (static_cast<size_t>(limits.max_job_name_bytes) + 160);
}

std::string WithPort(const std::string& listen, int port) {
  return absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadReplica>> ReadReplica::Start(
    ReadReplicaOptions options, JobRegistry* registry) {
  absl::StatusOr<SnapshotRegion> region =
      SnapshotRegion::Create(Capacity(registry->limits()));
  if (!region.ok()) return region.status();
  std::unique_ptr<ReadReplica> replica(
      new ReadReplica(std::move(options), registry, *std::move(region)));
  replica->Publish();
  absl::StatusOr<std::unique_ptr<ReadServerProcess>> process =
      ReadServerProcess::Spawn(replica->options_.daemon_args,
                               replica->options_.listen, replica->region_);
  if (!process.ok()) return process.status();
  replica->process_ = *std::move(process);
  absl::StatusOr<int> port = WaitForReadServerPort(
      replica->region_, *replica->process_, absl::Seconds(10));
  if (!port.ok()) return port.status();
  replica->port_ = *port;
  replica->publisher_ =
      std::thread(&ReadReplica::PublishUntilStopped, replica.get());
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
  while (!stop_.WaitForNotificationWithTimeout(options_.publish_interval)) {
    if (registry_->changes() != published_changes_ ||
        absl::Now() - published_at_ >= kRefreshEvery) {
      Publish();
    }
    RestartIfEnded();
  }
}

void ReadReplica::Publish() {
  // Read before listing: a change made meanwhile is published next time.
  const uint64_t changes = registry_->changes();
  v1::ListJobsResponse snapshot;
  std::string after;
  do {
    JobPage page = registry_->List(after, kMaxPageSize);
    for (const JobSnapshot& job : page.jobs) ToProto(job, snapshot.add_jobs());
    after = std::move(page.next_after);
  } while (!after.empty());
  if (absl::Status published = region_.Publish(snapshot.SerializeAsString());
      !published.ok()) {
    spdlog::error("read server not updated: {}", published.ToString());
    return;
  }
  published_changes_ = changes;
  published_at_ = absl::Now();
}

void ReadReplica::RestartIfEnded() {
  std::string how_it_ended;
  if (process_->Running(&how_it_ended)) return;
  const absl::Time now = absl::Now();
  if (now < next_restart_) return;
  next_restart_ = now + absl::Seconds(1);
  // The same port, so readers find it again.
  const std::string listen = WithPort(options_.listen, port_);
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
}

}  // namespace progress
