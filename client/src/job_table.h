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
#include "absl/time/time.h"

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
  // The values the flusher last saw, and when it first saw them: how long
  // the job has been idle.
  uint64_t seen_success = 0;
  uint64_t seen_failure = 0;
  absl::Time seen_since = absl::InfinitePast();
  // Set once the daemon confirmed the job's values and they then stayed
  // unchanged for a while (see JobTable::Forget): the job is no longer
  // sent until it changes. Its values are kept, so it is then sent whole.
  bool forgotten = false;
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
// Thread-safe; Take(), AnyIdleSince(), Forget() and UnconfirmedReport() are
// for the flusher thread only, since they use flusher-owned fields.
class JobTable {
 public:
  JobTable() = default;
  JobTable(const JobTable&) = delete;
  JobTable& operator=(const JobTable&) = delete;

  // The counter of `job`, made on first use. INVALID_ARGUMENT for a bad name.
  absl::StatusOr<JobCounter*> Get(absl::string_view job);

  // Neither kind includes a refused job, or a forgotten one that has not
  // changed since it was forgotten.
  enum class Which {
    kAll,      // every job with a non-zero count
    kChanged,  // jobs whose counts changed since last sent
  };
  // Also notes which jobs changed since the last call (their idle time
  // starts again, and a forgotten one is forgotten no more).
  std::vector<JobValues> Take(Which which);

  // Whether a job that is not forgotten has been unchanged since before
  // `cutoff`: one a confirmation could now let Forget() drop.
  bool AnyIdleSince(absl::Time cutoff);
  // Forgets every job whose values the daemon has confirmed and that has
  // been unchanged since before `cutoff`, so a long-lived client does not
  // resend every job it ever saw. The daemon keeps (or tombstones) what it
  // confirmed for this client id, so sending the job again later, whole,
  // counts nothing twice. The price: a daemon restarted without a state
  // file does not get a forgotten job's counts back until the job changes.
  void Forget(absl::Time cutoff);

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
