#ifndef PROGRESS_SERVER_JOB_REGISTRY_H_
#define PROGRESS_SERVER_JOB_REGISTRY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "job.h"

namespace progress {

// Limits on what clients may make the registry hold; each maps to a flag.
struct RegistryLimits {
  size_t max_jobs = 10000;
  size_t max_clients_per_job = 100000;
  size_t max_job_name_bytes = 128;
};

struct RegistryOptions {
  RegistryLimits limits;
  // The span recent_rate is measured over.
  absl::Duration rate_window = absl::Seconds(10);
  // Where the registry reads the time; tests substitute a fake clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Totals of what the write path did, for logs and (later) /metrics.
struct RegistryStats {
  uint64_t jobs = 0;
  // (job, client) pairs with applied values kept.
  uint64_t client_cursors = 0;
  uint64_t entries_applied = 0;
  uint64_t regressions_ignored = 0;
  uint64_t overflows_rejected = 0;
};

// One page of jobs in name order.
struct JobPage {
  std::vector<JobSnapshot> jobs;
  // The name to pass as `after` for the next page; empty on the last page.
  std::string next_after;
};

// All jobs the daemon knows, and the exactly-once rule for applying clients'
// cumulative counts to them. Free of gRPC so it can be tested and benchmarked
// on its own.
//
// Thread-safe. Creating a job or resolving a (job, client) cursor takes the
// registry's lock; applying counts through a resolved cursor does not, so an
// Increment stream touches shared locks once per job it names, not once per
// message.
class JobRegistry {
 public:
  explicit JobRegistry(RegistryOptions options = {});

  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // INVALID_ARGUMENT unless `client_id` is a well-formed client id.
  static absl::Status ValidateClientId(absl::string_view client_id);

  // The cursor of `client_id` on `job`, creating either as needed.
  // INVALID_ARGUMENT for a bad job name; RESOURCE_EXHAUSTED past max_jobs or
  // max_clients_per_job. `client_id` must already be valid.
  absl::StatusOr<std::shared_ptr<ClientCursor>> ResolveCursor(
      absl::string_view job, absl::string_view client_id);

  // Applies one client's cumulative counts for the cursor's job; see
  // Job::ApplyCumulative.
  absl::StatusOr<ApplyResult> Apply(ClientCursor& cursor, uint64_t success,
                                    uint64_t failure);

  // NOT_FOUND for an unknown job, INVALID_ARGUMENT for a bad name.
  absl::StatusOr<JobSnapshot> Get(absl::string_view job) const;

  // Creates `job` if needed and sets its expected total (0 keeps it).
  // FAILED_PRECONDITION if the job is already finished.
  absl::StatusOr<JobSnapshot> Start(absl::string_view job,
                                    uint64_t expected_total);

  // Marks `job` done; idempotent. NOT_FOUND for an unknown job.
  absl::StatusOr<JobSnapshot> Finish(absl::string_view job);

  // Up to `page_size` jobs whose names sort after `after` ("" = from the
  // start).
  JobPage List(absl::string_view after, size_t page_size) const;

  // Takes one recent-rate sample of every job; the server calls it on a timer.
  void SampleRates();

  RegistryStats Stats() const;

  const RegistryLimits& limits() const { return options_.limits; }

 private:
  absl::Status ValidateJobName(absl::string_view job) const;
  // The job named `job`, or nullptr.
  Job* Find(absl::string_view job) const ABSL_LOCKS_EXCLUDED(mu_);
  // The job named `job`, created if absent and the limit allows.
  absl::StatusOr<Job*> FindOrCreate(absl::string_view job)
      ABSL_LOCKS_EXCLUDED(mu_);

  const RegistryOptions options_;

  mutable absl::Mutex mu_;
  // Jobs are never removed while the daemon runs, so a Job* taken under the
  // lock stays valid after it is released.
  absl::btree_map<std::string, std::unique_ptr<Job>, std::less<>> jobs_
      ABSL_GUARDED_BY(mu_);

  std::atomic<uint64_t> entries_applied_{0};
  std::atomic<uint64_t> regressions_ignored_{0};
  std::atomic<uint64_t> overflows_rejected_{0};
};

}  // namespace progress

#endif  // PROGRESS_SERVER_JOB_REGISTRY_H_
