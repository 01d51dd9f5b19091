#ifndef PROGRESS_SERVER_STATE_SNAPSHOTTER_H_
#define PROGRESS_SERVER_STATE_SNAPSHOTTER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "registry/job_registry.h"
#include "rpc/commit_gate.h"

namespace progress {

struct SnapshotterOptions {
  // The state file.
  std::string path;
  // How often the state is written when something changed.
  absl::Duration interval = absl::Seconds(1);
  // Where snapshot times come from; tests substitute a fake clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// What the snapshotter did, for /metrics.
struct SnapshotStats {
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> failed{0};
  // Unix seconds of the last snapshot written; 0 before the first.
  std::atomic<int64_t> last_written_unix{0};
  std::atomic<uint64_t> last_bytes{0};
};

// Writes the registry to the state file: every `interval` when something
// changed, at once when a stream waits to be confirmed (group commit: one
// write and fsync answers every stream that was waiting when it began), and
// at shutdown. A failed write (disk full, directory gone, read-only) is
// logged once per kind of failure, counted and retried, and the daemon goes
// on serving; the next write that works catches up with everything.
//
// Thread-safe.
class Snapshotter final : public CommitGate {
 public:
  Snapshotter(SnapshotterOptions options, const JobRegistry* registry);
  ~Snapshotter() override;  // Stop() first.

  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  // Writes one snapshot now, on the calling thread.
  absl::Status SnapshotNow();

  // Starts the thread.
  void Start();

  void AwaitDurable(Done done) override;
  void Release() override;

  // Stops the thread, then writes a last snapshot if anything changed since
  // the one before, and returns how that went.
  absl::Status Stop();

  const SnapshotStats& stats() const { return stats_; }

 private:
  struct Waiter {
    uint64_t changes;
    Done done;
  };

  void Run();
  // Writes the state as of now and returns the change count it holds.
  absl::Status Write(uint64_t* changes) ABSL_LOCKS_EXCLUDED(mu_);
  // Logs a failure when it differs from the last one, and a recovery.
  void NoteOutcome(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  // Answers, outside the lock, every waiter the durable count covers.
  void AnswerCovered() ABSL_LOCKS_EXCLUDED(mu_);
  void AnswerAll(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  const SnapshotterOptions options_;
  const JobRegistry* const registry_;
  SnapshotStats stats_;

  // One write at a time, whichever thread asks: the periodic one, the final
  // one, or a second signal's.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);

  absl::Mutex mu_;
  std::deque<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  // The change count the last durable snapshot holds.
  uint64_t durable_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The last failure logged, so one failing state is logged once.
  std::string last_failure_ ABSL_GUARDED_BY(mu_);
  uint64_t failures_in_a_row_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_STATE_SNAPSHOTTER_H_
