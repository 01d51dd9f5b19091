#ifndef PROGRESS_CLIENT_SRC_FLUSHER_H_
#define PROGRESS_CLIENT_SRC_FLUSHER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "connection.h"
#include "increment_stream.h"
#include "job_table.h"
#include "link_health.h"

namespace progress::client {

struct FlusherOptions {
  std::string client_id;
  // How often changed counts are sent.
  absl::Duration flush_interval = absl::Milliseconds(100);
  // An idle stream gets an empty message this often, so a broken one (a
  // restarted daemon) is noticed even when nothing changes.
  absl::Duration keepalive_interval = absl::Seconds(1);
  // How often a client that holds counts but has no stream checks whether
  // the daemon is reachable again.
  absl::Duration reconnect_poll = absl::Milliseconds(100);
  // Retry pace after a failure on a reachable daemon: doubles up to max.
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // A job the daemon has confirmed and that has not changed for this long
  // is forgotten (see JobTable::Forget): no longer sent on a new stream or
  // in the final flush until it changes again. The daemon's --client_ttl
  // folds such a client entry after as long (10 minutes by default).
  absl::Duration forget_after = absl::Minutes(10);
};

// The background thread of one client: it keeps an Increment stream open
// while the client holds counts, sends the cumulative values that changed
// every flush interval, confirms them on request, forgets jobs that are
// delivered and idle, and does the final flush, whose stream is `closing`.
//
// Its loop asks AwaitStep() what is due (parking for fork, the final flush,
// a confirmation, a periodic tick, or a look for idle jobs to forget); each
// step is one small function.
//
// Thread-safe: Flush, Shutdown and the fork calls may come from any thread.
class Flusher {
 public:
  Flusher(FlusherOptions options, JobTable* jobs, Connection* connection);
  ~Flusher();  // Shutdown() must have returned.

  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  void Start();

  // OK once the daemon has confirmed every count added before the call (jobs
  // it refused excepted: the first Flush after a refusal reports it, once).
  absl::Status Flush(absl::Duration timeout);

  // The final flush: keeps trying until `timeout` has passed, then stops the
  // thread. Says how many records were not confirmed if it gives up.
  // Idempotent: later calls return the first call's result.
  absl::Status Shutdown(absl::Duration timeout);

  // fork(): PrepareFork() returns once the thread holds no stream and waits;
  // ResumeAfterFork() lets it go on (in the parent).
  void PrepareFork();
  void ResumeAfterFork();

 private:
  enum class Step { kPark, kFinalFlush, kConfirm, kTick, kForget };

  void Run();
  Step AwaitStep();
  // The refusals no Flush has reported yet, as one status (OK if none); they
  // count as reported from now on.
  absl::Status TakeUnreportedRefusals() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void Park();
  void Tick();
  void ConfirmRequested();
  void ForgetIdle();
  void FinalFlush();
  // The final flush's attempts, until one succeeds or the deadline passes.
  absl::Status DeliverFinal(absl::Time deadline);

  // Confirms every job's values (see ConfirmAll), waiting for the daemon
  // until `deadline`, and then forgets the jobs that are idle (the next
  // stream leaves them out). A `closing` stream is the final flush's.
  absl::Status Confirm(absl::Time deadline, bool closing);
  // With no stream: waits a little for the daemon, and opens the stream
  // once it is reachable.
  void Reconnect();
  // Opens the long-lived stream with every job's values.
  void OpenStream();
  void WriteOnStream(const std::vector<JobValues>& values);
  void DropStream();
  // Takes down the stream a write failed on, and handles why it broke.
  void StreamBroke();
  // A refusal: finds the refused jobs and sets them aside (reported by the
  // next Flush); anything else: noted, and retried at the health's pace.
  void HandleFailure(const absl::Status& status, absl::Time deadline);
  void NoteFailure(const absl::Status& status);
  void NoteSuccess();

  const FlusherOptions options_;
  JobTable* const jobs_;
  Connection* const connection_;

  absl::Mutex mu_;
  // Flush requests are numbered; the thread confirms up to the newest.
  uint64_t flush_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t flush_confirmed_ ABSL_GUARDED_BY(mu_) = 0;
  // The latest deadline of any Flush: how long a confirmation may wait.
  absl::Time flush_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  // Refusals not yet reported by a Flush.
  std::vector<std::string> unreported_refusals_ ABSL_GUARDED_BY(mu_);
  absl::StatusCode refusal_code_ ABSL_GUARDED_BY(mu_) = absl::StatusCode::kOk;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status shutdown_status_ ABSL_GUARDED_BY(mu_);
  bool fork_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool parked_ ABSL_GUARDED_BY(mu_) = false;

  // Owned by the thread.
  std::unique_ptr<IncrementStream> stream_;
  absl::Time next_tick_ = absl::InfinitePast();
  absl::Time next_retry_ = absl::InfinitePast();
  absl::Time last_send_ = absl::InfinitePast();
  absl::Time last_write_ = absl::InfinitePast();
  absl::Time next_forget_ = absl::InfinitePast();
  LinkHealth health_;

  std::thread thread_;
};

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_FLUSHER_H_
