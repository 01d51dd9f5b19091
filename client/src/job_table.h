#ifndef PROGRESS_CLIENT_SRC_JOB_TABLE_H_
#define PROGRESS_CLIENT_SRC_JOB_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace progress::client {

// One job's counters in one client. Workers add to the atomics; every other
// field belongs to the client's flusher thread. Aligned so two jobs never
// share a cache line between threads adding to them.
struct alignas(64) JobCounter {
  explicit JobCounter(std::string job_name) : name(std::move(job_name)) {}

  const std::string name;
  std::atomic<uint64_t> success{0};
  std::atomic<uint64_t> failure{0};

  // Flusher-owned. The values last written on the open Increment stream.
  uint64_t sent_success = 0;
  uint64_t sent_failure = 0;
  // The values the daemon last confirmed holding for this client.
  uint64_t confirmed_success = 0;
  uint64_t confirmed_failure = 0;
  // Set once the daemon refused the job for good (its name, a limit, a
  // value): it is no longer sent, and `refusal` says why.
  bool refused = false;
  std::string refusal;
};

// One job's values as taken for a message.
struct JobValues {
  JobCounter* counter;
  uint64_t success;
  uint64_t failure;
};

// The jobs of one client. Counters are never removed or moved while the
// client lives, so a JobCounter* handed to a worker stays valid.
//
// Thread-safe; Take() and UnconfirmedReport() are for the flusher thread
// only, since they read flusher-owned fields.
class JobTable {
 public:
  JobTable() = default;
  JobTable(const JobTable&) = delete;
  JobTable& operator=(const JobTable&) = delete;

  // The counter of `job`, made on first use. INVALID_ARGUMENT for a bad name.
  absl::StatusOr<JobCounter*> Get(absl::string_view job);

  enum class Which {
    kAll,      // every job not refused with a non-zero count
    kChanged,  // jobs not refused whose counts changed since last sent
  };
  std::vector<JobValues> Take(Which which);

  // What the daemon has not confirmed, for the final flush's message:
  // "577 records (577 success, 0 failure) of 1 job were not confirmed and
  // may be lost: 'nightly' 577".
  std::string UnconfirmedReport();

  // Held across fork() so the child finds the table whole.
  void LockForFork() ABSL_EXCLUSIVE_LOCK_FUNCTION(mu_) { mu_.Lock(); }
  void UnlockAfterFork() ABSL_UNLOCK_FUNCTION(mu_) { mu_.Unlock(); }

  // In a forked child: takes over every counter of `inherited` with its
  // counts zeroed, so the job handles the child holds keep working and
  // count only the child's own records.
  void AdoptZeroed(JobTable& inherited) ABSL_NO_THREAD_SAFETY_ANALYSIS;

 private:
  absl::Mutex mu_;
  std::vector<std::unique_ptr<JobCounter>> jobs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, JobCounter*> by_name_ ABSL_GUARDED_BY(mu_);
};

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_JOB_TABLE_H_
