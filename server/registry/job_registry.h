#ifndef PROGRESS_SERVER_REGISTRY_JOB_REGISTRY_H_
#define PROGRESS_SERVER_REGISTRY_JOB_REGISTRY_H_

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
#include "absl/types/span.h"
#include "registry/job.h"
#include "registry/job_record.h"

namespace progress {

// Limits on what clients may make the registry hold; each maps to a flag.
struct RegistryLimits {
  size_t max_jobs = 10000;
  size_t max_clients_per_job = 100000;
  size_t max_job_name_bytes = 128;

  // The most a client's cumulative success, or failure, may be for one job:
  // floor((2^64 - 1) / max_clients_per_job), 184,467,440,737,095 by default.
  // With at most max_clients_per_job clients per job, a job's sum can then
  // never pass 2^64 - 1, so no client's values can get another's refused.
  uint64_t max_value_per_client() const;
};

// How long the registry keeps what is no longer live; each maps to a flag.
struct RetentionOptions {
  // A client entry no stream holds and no message named for this long is
  // folded into its job's retired sum (--client_ttl).
  absl::Duration client_ttl = absl::Minutes(10);
  // A silent client's tombstone is kept this long (--tombstone_ttl); a
  // closed client's, client_ttl.
  absl::Duration tombstone_ttl = absl::Hours(7 * 24);
  // A finished job is dropped this long after it finished, once no stream
  // holds it (--finished_job_ttl).
  absl::Duration finished_job_ttl = absl::Hours(24);
};

struct RegistryOptions {
  RegistryLimits limits;
  RetentionOptions retention;
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
  // Folded clients' tombstones kept.
  uint64_t tombstones = 0;
  // Client entries folded, finished jobs dropped, since the start.
  uint64_t clients_folded = 0;
  uint64_t jobs_dropped = 0;
  uint64_t entries_applied = 0;
  uint64_t regressions_ignored = 0;
  // Messages or Apply calls refused for a value above max_value_per_client.
  uint64_t values_over_cap_rejected = 0;
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
// Thread-safe. Creating a job or a (job, client) cursor takes the registry's
// exclusive lock; applying counts through a resolved cursor takes neither the
// registry's lock nor the job's, so an Increment stream touches shared locks
// once per job it names, not once per message.
class JobRegistry {
 public:
  explicit JobRegistry(RegistryOptions options = {});

  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // INVALID_ARGUMENT unless `client_id` is a well-formed client id.
  static absl::Status ValidateClientId(absl::string_view client_id);

  // INVALID_ARGUMENT unless `job` is a well-formed name within
  // max_job_name_bytes.
  absl::Status ValidateJobName(absl::string_view job) const;

  // OUT_OF_RANGE, naming the job, the value and the limit, when `success` or
  // `failure` is above max_value_per_client(). Counted in Stats().
  absl::Status CheckCumulative(absl::string_view job, uint64_t success,
                               uint64_t failure);

  // The cursors of `client_id` on each of `jobs`, in order, creating the jobs
  // and cursors that are missing: all of them, or on error none.
  // INVALID_ARGUMENT for a bad or repeated job name; RESOURCE_EXHAUSTED when
  // the new jobs would pass max_jobs or a job's clients max_clients_per_job.
  // `client_id` must already be valid.
  absl::StatusOr<std::vector<std::shared_ptr<ClientCursor>>> ResolveCursors(
      absl::Span<const absl::string_view> jobs, absl::string_view client_id);

  // ResolveCursors for one job.
  absl::StatusOr<std::shared_ptr<ClientCursor>> ResolveCursor(
      absl::string_view job, absl::string_view client_id);

  // Applies one client's cumulative counts for the cursor's job; see
  // Job::ApplyCumulative. OUT_OF_RANGE, with nothing applied, for a value
  // above max_value_per_client().
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

  // Every job in name order, a page at a time, so the registry lock is never
  // held for long (the /metrics collector, the read server's snapshot).
  void ForEachJob(const std::function<void(const JobSnapshot&)>& visit) const;

  // Every job in name order, kept alive for the caller: for a reader that
  // looks at the names and done flags of many jobs and snapshots a few (the
  // web page's filter and pages), which full snapshots of all would cost
  // 2 us a job. Copied under the lock, as the sampler's list is.
  std::vector<std::shared_ptr<const Job>> AllJobs() const {
    std::vector<std::shared_ptr<Job>> all = All();
    return {std::make_move_iterator(all.begin()),
            std::make_move_iterator(all.end())};
  }

  // `job`'s records per second over the last few minutes; NOT_FOUND for an
  // unknown job.
  absl::StatusOr<RateSeries> RateHistoryOf(absl::string_view job) const;

  // Takes one recent-rate sample of every job; the server calls it on a timer.
  void SampleRates();

  // Applies the retention options: folds idle clients, forgets old
  // tombstones (those of clients that closed after client_ttl), drops
  // finished jobs past their TTL, counted from the later of their finish
  // and last update. Returns the jobs dropped, as they were. The server
  // calls it on a timer.
  std::vector<JobSnapshot> Sweep();

  // Folds `client_id`'s entry on `cursor`'s job at once, a closing stream's
  // (see RetentionOptions); gives up the caller's `cursor`.
  void Retire(absl::string_view client_id,
              std::shared_ptr<ClientCursor> cursor);

  RegistryStats Stats() const;

  // What a restart must keep of every job, in name order. Safe while
  // streams apply: each client's values are read under its cursor's lock.
  std::vector<JobRecord> Records() const;

  // Fills an empty registry from `records` (a state file's), all or nothing.
  // FAILED_PRECONDITION unless the registry is empty; INVALID_ARGUMENT for a
  // bad or repeated job name or client id; OUT_OF_RANGE when a job's clients
  // add up past 2^64 - 1. Limits are not applied: what was recorded is
  // kept, and only what would be created beyond them is refused.
  absl::Status Restore(const std::vector<JobRecord>& records);

  // Grows with every change Records() would show. Records() taken after
  // reading N holds every change counted up to N.
  uint64_t changes() const { return changes_.load(std::memory_order_acquire); }

  const RegistryLimits& limits() const { return options_.limits; }
  // The registry's clock, which every snapshot's rates are measured by.
  absl::Time Now() const { return options_.clock(); }
  uint64_t max_value_per_client() const { return max_value_per_client_; }

 private:
  // The job named `job`, or nullptr.
  std::shared_ptr<Job> Find(absl::string_view job) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The job named `job`, created if absent and the limit allows.
  absl::StatusOr<std::shared_ptr<Job>> FindOrCreate(absl::string_view job)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Every job, for work done outside the registry's lock.
  std::vector<std::shared_ptr<Job>> All() const ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the finished jobs in `candidates` no stream holds; returns them.
  std::vector<JobSnapshot> DropFinished(
      const std::vector<std::shared_ptr<Job>>& candidates)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A new job named `job`, which must not exist yet.
  Job* AddJobLocked(absl::string_view job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills `cursors` and returns true when every job and cursor exists.
  bool FindCursorsLocked(
      absl::Span<const absl::string_view> jobs, absl::string_view client_id,
      std::vector<std::shared_ptr<ClientCursor>>& cursors) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // RESOURCE_EXHAUSTED unless the jobs and cursors missing for `jobs` all fit
  // the limits.
  absl::Status CheckRoomLocked(absl::Span<const absl::string_view> jobs,
                               absl::string_view client_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RegistryOptions options_;
  // limits().max_value_per_client(), computed once for the write path.
  const uint64_t max_value_per_client_;

  mutable absl::Mutex mu_;
  // Shared, so a reader or a snapshot keeps a job it is reading alive when a
  // sweep drops it. A ClientCursor points to its job without owning it: a
  // job is dropped only while no stream holds any of its cursors.
  absl::btree_map<std::string, std::shared_ptr<Job>, std::less<>> jobs_
      ABSL_GUARDED_BY(mu_);

  // Counted once the change it stands for is visible, and for an applied
  // value while its cursor is still locked, so a stream that reads the value
  // through the cursor also reads this count (see changes()).
  std::atomic<uint64_t> changes_{0};
  std::atomic<uint64_t> entries_applied_{0};
  std::atomic<uint64_t> regressions_ignored_{0};
  std::atomic<uint64_t> values_over_cap_rejected_{0};
  std::atomic<uint64_t> clients_folded_{0};
  std::atomic<uint64_t> jobs_dropped_{0};
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REGISTRY_JOB_REGISTRY_H_
