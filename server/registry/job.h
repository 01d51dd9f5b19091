#ifndef PROGRESS_SERVER_REGISTRY_JOB_H_
#define PROGRESS_SERVER_REGISTRY_JOB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "registry/job_record.h"
#include "registry/rate_history.h"
#include "registry/rate_window.h"

namespace progress {

class Job;

// A consistent-enough copy of a job for readers: each field is read once from
// its atomic, so success and failure may be from instants a few nanoseconds
// apart, but each is exact and never decreases between snapshots.
struct JobSnapshot {
  std::string name;
  uint64_t success = 0;
  uint64_t failure = 0;
  uint64_t expected_total = 0;
  absl::Time created_time;
  std::optional<absl::Time> first_update_time;
  std::optional<absl::Time> last_update_time;
  std::optional<absl::Time> finish_time;
  double average_rate = 0.0;
  double recent_rate = 0.0;
  uint32_t clients = 0;
  bool done = false;
};

// What one client has had applied to one job: the largest cumulative values
// the server accepted from it. Owned jointly by the job and by the Increment
// streams that resolved it, so a stream keeps a direct pointer and its
// per-message path needs no map lookup under a shared lock.
class ClientCursor {
 public:
  explicit ClientCursor(Job* job) : job_(job) {}

  Job& job() const { return *job_; }

  struct Counts {
    uint64_t success = 0;
    uint64_t failure = 0;
  };
  Counts applied() const;

  // Set once its client ended a stream with `closing`: whichever stream lets
  // go of it last folds it (another stream of the client may still hold it
  // when the closing one ends).
  void MarkClosing() { closing_.store(true, std::memory_order_relaxed); }
  bool closing() const { return closing_.load(std::memory_order_relaxed); }

 private:
  friend class Job;
  Job* const job_;
  // When a message last named this (job, client), in Unix nanoseconds: what
  // --client_ttl measures.
  std::atomic<int64_t> last_seen_ns_{0};
  std::atomic<bool> closing_{false};
  // Held only while one message for this (job, client) is applied: contended
  // only when one client has two streams open at once (a reconnect overlapping
  // its old stream), never across clients.
  mutable absl::Mutex mu_;
  Counts applied_ ABSL_GUARDED_BY(mu_);
};

// The result of applying one client's cumulative counts to a job.
struct ApplyResult {
  // Records added to the job by this message (0 for a duplicate).
  uint64_t added = 0;
  // True when a value was lower than one already applied; that value was
  // ignored.
  bool regressed = false;
};

// What one sweep of a job folded and forgot.
struct FoldResult {
  // Clients folded into the retired sum.
  size_t folded = 0;
  // Tombstones forgotten.
  size_t expired = 0;
};

// One job: exact counters summed over its clients, plus what each client has
// had applied. Counters are atomics so the write path never takes a lock a
// reader could hold.
//
// Thread-safe.
class Job {
 public:
  Job(std::string name, absl::Time created, absl::Duration rate_window);

  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const std::string& name() const { return name_; }

  // The cursor of `client_id` on this job, or nullptr if it never reported.
  std::shared_ptr<ClientCursor> FindCursor(absl::string_view client_id) const;

  // Adds to the job whatever part of (success, failure) the cursor has not
  // applied yet, and advances the cursor. Lower values are ignored
  // (regressed). OUT_OF_RANGE, with nothing applied, when a counter would
  // overflow; the registry's per-client cap keeps that from happening.
  // `changes`, if set, is counted up while the cursor is still locked when
  // something was added: whoever reads the new value through the cursor
  // then also sees the count (a snapshot's group commit relies on it).
  absl::StatusOr<ApplyResult> ApplyCumulative(
      ClientCursor& cursor, uint64_t success, uint64_t failure, absl::Time now,
      std::atomic<uint64_t>* changes = nullptr);

  // Sets the expected total, when non-zero.
  void SetExpectedTotal(uint64_t expected_total);
  // Marks the job done at `now`; returns false when it already was.
  bool MarkDone(absl::Time now);
  bool done() const { return done_.load(std::memory_order_acquire); }
  // When it was marked done; unset while it runs.
  std::optional<absl::Time> finish_time() const;
  // When a count last grew; the Unix epoch before the first update.
  absl::Time last_update_time() const {
    return absl::FromUnixNanos(last_update_ns_.load(std::memory_order_relaxed));
  }

  // Distinct clients that reported on the job, folded ones included.
  size_t client_count() const;
  // Clients whose entries are not folded: what --max_clients_per_job counts.
  size_t live_client_count() const;
  size_t tombstone_count() const;

  // Folds every client entry no stream holds and no message named since
  // `idle_before` into the retired sum, leaving a tombstone stamped `now`;
  // forgets tombstones stamped before `forget_before`, or, for clients that
  // closed, before `forget_closed_before` (their values stay in the sum).
  FoldResult FoldIdle(absl::Time idle_before, absl::Time forget_before,
                      absl::Time forget_closed_before, absl::Time now);
  // Folds `client_id`'s entry at once, a closing stream's, unless another
  // stream holds it too; `cursor` is the caller's reference, given up here.
  // True when it was folded.
  bool Retire(absl::string_view client_id, std::shared_ptr<ClientCursor> cursor,
              absl::Time now);
  // True when no stream holds any of its clients' entries, so nothing
  // outside the registry points into the job.
  bool Unheld() const;

  // Feeds the recent-rate window; called by the registry's sampler.
  void SampleRate(absl::Time now);

  JobSnapshot Snapshot(absl::Time now) const;

  // Records per second over the last few minutes, for the web page.
  RateSeries RateHistorySeries() const { return rate_history_.Series(); }

  // What a restart must keep of the job (see JobRecord).
  JobRecord Record() const;

 private:
  // Only the registry adds clients, and only under its exclusive lock after
  // checking --max_clients_per_job: that lock, not clients_mu_, is what makes
  // the check and the add one step for a message naming several jobs.
  friend class JobRegistry;
  // The new cursor of `client_id`, which must not have one yet: revived
  // from its tombstone, with the values it had, if it was folded.
  std::shared_ptr<ClientCursor> AddCursor(absl::string_view client_id,
                                          absl::Time now);
  // Takes over what `record` kept: its clients' applied values (and their
  // sum), timestamps, expected total and done flag. For a job just made,
  // before anyone else can see it; `now` starts its recent-rate window.
  // OUT_OF_RANGE if the sums overflow.
  absl::Status Restore(const JobRecord& record, absl::Time now);

  // The update and finish times, each unset while it is 0.
  void LoadTimes(std::optional<absl::Time>* first_update,
                 std::optional<absl::Time>* last_update,
                 std::optional<absl::Time>* finish) const;

  const std::string name_;
  const absl::Time created_;

  std::atomic<uint64_t> success_{0};
  std::atomic<uint64_t> failure_{0};
  std::atomic<uint64_t> expected_total_{0};
  // Unix nanoseconds; 0 means "not yet".
  std::atomic<int64_t> first_update_ns_{0};
  std::atomic<int64_t> last_update_ns_{0};
  std::atomic<int64_t> finish_ns_{0};
  std::atomic<bool> done_{false};

  RateWindow rate_window_;
  RateHistory rate_history_;

  // A folded client's values, kept so that it can pick up where it left off.
  struct Tombstone {
    ClientCursor::Counts applied;
    int64_t folded_ns = 0;
    // Folded because its client closed, which then sends nothing more but
    // a retry of its last stream: this tombstone may go sooner.
    bool closed = false;
  };
  // Moves the entry at `it`, which no stream holds, to the retired sum and
  // a tombstone.
  void FoldLocked(
      absl::flat_hash_map<std::string, std::shared_ptr<ClientCursor>>::iterator
          it,
      absl::Time now, bool closed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(clients_mu_);

  // Guards the clients, tombstones and retired sum for readers against
  // AddCursor and folding.
  mutable absl::Mutex clients_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<ClientCursor>> clients_
      ABSL_GUARDED_BY(clients_mu_);
  absl::flat_hash_map<std::string, Tombstone> tombstones_
      ABSL_GUARDED_BY(clients_mu_);
  // What folded clients had applied, tombstones' values included.
  ClientCursor::Counts retired_ ABSL_GUARDED_BY(clients_mu_);
  // Folded clients whose tombstones were forgotten.
  uint64_t forgotten_clients_ ABSL_GUARDED_BY(clients_mu_) = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REGISTRY_JOB_H_
