#include "flusher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "confirmation.h"
#include "fork_safe_clock.h"
#include "library_logger.h"

namespace progress::client {
namespace {

// A confirmation waits at least this long for the daemon, even for a Flush
// whose own timeout is shorter (its result is then only late, not lost).
constexpr absl::Duration kMinConfirmWait = absl::Seconds(1);

}  // namespace

Flusher::Flusher(FlusherOptions options, JobTable* jobs, Connection* connection)
    : options_(std::move(options)),
      jobs_(jobs),
      connection_(connection),
      health_(options_.client_id, connection->target(), options_.min_backoff,
              options_.max_backoff) {}

Flusher::~Flusher() {
  if (thread_.joinable()) thread_.join();
}

void Flusher::Start() { thread_ = std::thread(&Flusher::Run, this); }

absl::Status Flusher::Flush(absl::Duration timeout) {
  const absl::Time deadline = Now() + timeout;
  absl::ReleasableMutexLock lock(&mu_);
  if (stop_requested_) {
    return absl::FailedPreconditionError("the progress client is shut down");
  }
  const uint64_t ticket = ++flush_requested_;
  flush_deadline_ = std::max(flush_deadline_, deadline);
  auto done = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return flush_confirmed_ >= ticket || stopped_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
  if (flush_confirmed_ < ticket && stopped_) {
    return absl::FailedPreconditionError(
        "the progress client shut down before progressd confirmed the flush");
  }
  if (flush_confirmed_ >= ticket) {
    return TakeUnreportedRefusals();
  }
  absl::Status last_error = last_error_;
  lock.Release();
  // The flusher may not have met the failure yet; the connection knows it.
  if (last_error.ok() && connection_->Failing()) {
    absl::Status why = connection_->ConnectError();
    if (absl::IsUnavailable(why)) last_error = std::move(why);
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "progressd at ", connection_->target(),
      " did not confirm the flush within ", absl::FormatDuration(timeout),
      last_error.ok() ? "" : "; last error: " + last_error.ToString()));
}

absl::Status Flusher::Shutdown(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!stop_requested_) {
    stop_requested_ = true;
    stop_deadline_ = Now() + timeout;
    // A confirmation waiting for the daemon gives way to the final flush,
    // which gets the whole timeout.
    connection_->CancelFlusherCalls();
  }
  // The final flush bounds its calls by the deadline; this is a backstop.
  if (!mu_.AwaitWithDeadline(absl::Condition(&stopped_),
                             stop_deadline_ + absl::Seconds(1))) {
    connection_->CancelFlusherCalls();
    mu_.Await(absl::Condition(&stopped_));
  }
  return shutdown_status_;
}

absl::Status Flusher::TakeUnreportedRefusals() {
  if (unreported_refusals_.empty()) return absl::OkStatus();
  absl::Status refused(refusal_code_,
                       absl::StrCat("progressd refused ",
                                    absl::StrJoin(unreported_refusals_, "; ")));
  unreported_refusals_.clear();
  return refused;
}

void Flusher::PrepareFork() {
  absl::MutexLock lock(&mu_);
  fork_pending_ = true;
  auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return parked_ || stopped_;
  };
  mu_.Await(absl::Condition(&quiet));
}

void Flusher::ResumeAfterFork() {
  absl::MutexLock lock(&mu_);
  fork_pending_ = false;
}

void Flusher::Run() {
  while (true) {
    switch (AwaitStep()) {
      case Step::kPark:
        Park();
        break;
      case Step::kConfirm:
        ConfirmRequested();
        break;
      case Step::kTick:
        Tick();
        break;
      case Step::kForget:
        ForgetIdle();
        break;
      case Step::kFinalFlush:
        FinalFlush();
        return;
    }
  }
}

Flusher::Step Flusher::AwaitStep() {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (fork_pending_) return Step::kPark;
    if (stop_requested_) return Step::kFinalFlush;
    const absl::Time now = Now();
    const bool flush_pending = flush_requested_ > flush_confirmed_;
    if (flush_pending && now >= next_retry_) return Step::kConfirm;
    if (now >= next_tick_) return Step::kTick;
    if (now >= next_forget_) return Step::kForget;
    absl::Time wake = std::min(next_tick_, next_forget_);
    if (flush_pending) wake = std::min(wake, next_retry_);
    const uint64_t seen = flush_requested_;
    auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return fork_pending_ || stop_requested_ || flush_requested_ > seen;
    };
    mu_.AwaitWithDeadline(absl::Condition(&woken), wake);
  }
}

void Flusher::Park() {
  DropStream();
  absl::MutexLock lock(&mu_);
  parked_ = true;
  mu_.Await(absl::Condition(
      +[](bool* fork_pending) { return !*fork_pending; }, &fork_pending_));
  parked_ = false;
  // The parent's channel was dropped for the fork: reconnect at once.
  next_tick_ = absl::InfinitePast();
}

void Flusher::ConfirmRequested() {
  uint64_t target;
  absl::Time deadline;
  {
    absl::MutexLock lock(&mu_);
    target = flush_requested_;
    deadline = std::max(flush_deadline_, Now() + kMinConfirmWait);
  }
  const absl::Status status = Confirm(deadline, /*closing=*/false);
  absl::MutexLock lock(&mu_);
  if (status.ok()) {
    flush_confirmed_ = std::max(flush_confirmed_, target);
    last_error_ = absl::OkStatus();
  } else if (!absl::IsCancelled(status)) {  // Ours (fork), not the daemon's.
    last_error_ = status;
  }
}

absl::Status Flusher::Confirm(absl::Time deadline, bool closing) {
  // The confirming stream carries everything; the long-lived one would only
  // race it with older values.
  DropStream();
  const absl::Status status = connection_->Explain(
      ConfirmAll(*connection_, options_.client_id, *jobs_, deadline, closing));
  if (!status.ok()) {
    HandleFailure(status, deadline);
    return status;
  }
  NoteSuccess();
  // Right after a confirmation, and before a new stream: so that stream
  // leaves the forgotten jobs out.
  jobs_->Forget(Now() - options_.forget_after);
  // Keep a stream open again soon, so a restarted daemon is noticed.
  next_tick_ =
      Now() + std::min(options_.flush_interval, options_.keepalive_interval);
  return absl::OkStatus();
}

void Flusher::HandleFailure(const absl::Status& status, absl::Time deadline) {
  if (!IsRefusal(status)) {
    NoteFailure(status);
    return;
  }
  std::vector<RefusedJob> refused;
  const absl::Status asked = FindRefusedJobs(*connection_, options_.client_id,
                                             *jobs_, deadline, &refused);
  for (const RefusedJob& job : refused) {
    Log().error(
        "progress client {}: progressd at {} refuses job '{}' ({}); its "
        "counts will not be sent",
        options_.client_id, connection_->target(), job.job,
        job.status.ToString());
  }
  {
    absl::MutexLock lock(&mu_);
    for (const RefusedJob& job : refused) {
      unreported_refusals_.push_back(
          absl::StrCat("job '", job.job, "': ", job.status.message()));
      refusal_code_ = job.status.code();
    }
  }
  if (!asked.ok()) {
    NoteFailure(asked);  // The daemon went away; the next attempt asks again.
    return;
  }
  if (refused.empty()) {
    // Every job passes alone, so the daemon refused the message as a whole
    // (e.g. a --max_message_bytes below our messages): retry at the error
    // pace, never in a tight loop.
    NoteFailure(status);
    return;
  }
  next_retry_ = Now() + options_.min_backoff;
}

void Flusher::NoteFailure(const absl::Status& status) {
  // A cancellation is our own doing (Shutdown, fork), not news of the daemon.
  if (!absl::IsCancelled(status)) {
    absl::MutexLock lock(&mu_);
    last_error_ = status;
  }
  next_retry_ = health_.NoteFailure(status);
}

void Flusher::NoteSuccess() {
  health_.NoteSuccess();
  next_retry_ = absl::InfinitePast();
}

}  // namespace progress::client
