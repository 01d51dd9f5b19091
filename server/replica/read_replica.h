#ifndef PROGRESS_SERVER_REPLICA_READ_REPLICA_H_
#define PROGRESS_SERVER_REPLICA_READ_REPLICA_H_

// Reads served from a process of their own (--read_listen). In one process,
// gRPC 1.51 lets any completion-queue thread do any connection's transport
// work, so a read waits behind parsing of Increment traffic and competes
// with it for the same scheduling (BENCHMARKS.md, "Read isolation"). The
// read server has its own poller, threads and scheduling priority; this
// side publishes every job to it, whenever something changed, at most
// every publish interval, and starts it again should it die.
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "registry/job_registry.h"
#include "replica/read_server_process.h"
#include "replica/snapshot_region.h"

namespace progress {

struct ReadReplicaOptions {
  std::string listen;  // host:port; port 0 picks a free one.
  absl::Duration publish_interval = absl::Milliseconds(2);
  // The daemon's command line without argv[0], which the read server
  // process is started with.
  std::vector<std::string> daemon_args;
};

class ReadReplica {
 public:
  // Publishes the first snapshot, starts the read server process and waits
  // until it listens. UNAVAILABLE if it cannot.
  static absl::StatusOr<std::unique_ptr<ReadReplica>> Start(
      ReadReplicaOptions options, JobRegistry* registry);

  // Stops publishing and the read server process.
  ~ReadReplica();

  ReadReplica(const ReadReplica&) = delete;
  ReadReplica& operator=(const ReadReplica&) = delete;

  // The read server's port.
  int port() const { return port_; }

  // The publishing thread: it also starts the read server again, so it
  // keeps normal priority under --write_nice (a process starts with its
  // spawner's).
  pid_t publisher_tid() const { return publisher_tid_.load(); }

 private:
  ReadReplica(ReadReplicaOptions options, JobRegistry* registry,
              SnapshotRegion region);

  // Every job, serialized, and what the registry had counted before.
  struct Snapshot {
    uint64_t changes = 0;
    std::string bytes;
    absl::Time started, taken;
  };
  static Snapshot TakeSnapshot(const JobRegistry& registry);

  void PublishUntilStopped();
  absl::Status Publish(const Snapshot& snapshot);
  void RestartIfEnded();

  const ReadReplicaOptions options_;
  JobRegistry* const registry_;
  SnapshotRegion region_;
  std::unique_ptr<ReadServerProcess> process_;
  int port_ = 0;
  uint64_t published_changes_ = 0;
  absl::Time published_at_ = absl::InfinitePast();
  // The earliest next publish: listing many jobs costs, so a publish waits
  // at least ten times as long as the last took.
  absl::Time next_publish_ = absl::InfinitePast();
  absl::Time last_error_logged_ = absl::InfinitePast();
  absl::Time spawned_at_ = absl::InfinitePast();
  absl::Time next_restart_ = absl::InfinitePast();
  absl::Duration restart_delay_ = absl::Seconds(1);
  std::atomic<pid_t> publisher_tid_{0};
  absl::Notification stop_;
  std::thread publisher_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REPLICA_READ_REPLICA_H_
