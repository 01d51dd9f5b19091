#ifndef PROGRESS_SERVER_REPLICA_REPLICA_JOBS_H_
#define PROGRESS_SERVER_REPLICA_REPLICA_JOBS_H_

// The read server's view of the jobs: the daemon's latest published
// snapshot, parsed once per generation and shared by every read.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "progress/v1/progress.pb.h"
#include "replica/snapshot_region.h"

namespace progress {

class ReplicaJobs {
 public:
  explicit ReplicaJobs(const SnapshotRegion* region) : region_(region) {}

  // The daemon publishes at least every second; a snapshot older than
  // this means it is stopped or wedged, and reads fail UNAVAILABLE rather
  // than serve frozen counts as live.
  static constexpr absl::Duration kStaleAfter = absl::Seconds(5);

  // As JobRegistry::Get: NOT_FOUND for a job the snapshot does not hold.
  absl::StatusOr<v1::Job> Get(const std::string& name);
  // As JobRegistry::List: jobs after `after` in name order, and the last
  // name returned when more remain.
  absl::Status List(const std::string& after, size_t page_size,
                    v1::ListJobsResponse* response);

 private:
  struct Table {
    uint64_t generation = 0;
    std::vector<v1::Job> jobs;  // In name order, as the daemon lists them.
    absl::flat_hash_map<std::string, size_t> index;
  };
  // The table of the latest generation, parsing it if it is new.
  std::shared_ptr<const Table> Latest();
  // UNAVAILABLE when the latest snapshot is older than kStaleAfter.
  absl::Status CheckFresh() const;

  const SnapshotRegion* const region_;
  absl::Mutex mu_;
  std::shared_ptr<const Table> table_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<Table>();
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REPLICA_REPLICA_JOBS_H_
