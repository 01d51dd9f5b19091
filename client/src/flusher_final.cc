// The flusher's last step: the final flush, whose streams are `closing`,
// tried until it succeeds or its deadline passes. (The thread and its other
// steps are in flusher.cc and flusher_stream.cc.)
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "confirmation.h"
#include "flusher.h"
#include "fork_safe_clock.h"
#include "library_logger.h"

namespace progress::client {
namespace {

// The final flush's first attempt; each next one may wait twice as long, so
// a daemon that answers slowly still gets its chance before the deadline.
constexpr absl::Duration kFirstFinalAttempt = absl::Seconds(1);
// Between final attempts that failed fast (e.g. connection refused).
constexpr absl::Duration kFinalRetryPause = absl::Milliseconds(50);

}  // namespace

void Flusher::FinalFlush() {
  absl::Time deadline;
  {
    absl::MutexLock lock(&mu_);
    deadline = stop_deadline_;
  }
  const absl::Time start = Now();
  const absl::Status status = DeliverFinal(deadline);
  DropStream();

  absl::Status result;
  if (!status.ok()) {
    const std::string message = absl::StrCat(
        "final flush to progressd at ", connection_->target(),
        " gave up after ",
        absl::FormatDuration(absl::Trunc(Now() - start, absl::Milliseconds(1))),
        " (", status.ToString(), "): ", jobs_->UnconfirmedReport());
    Log().error("progress client {}: {}", options_.client_id, message);
    result = absl::Status(status.code(), message);
  }
  absl::MutexLock lock(&mu_);
  if (result.ok()) result = TakeUnreportedRefusals();
  if (status.ok()) flush_confirmed_ = flush_requested_;
  shutdown_status_ = result;
  stopped_ = true;
}

absl::Status Flusher::DeliverFinal(absl::Time deadline) {
  // Nothing to deliver or fold (no job ever counted, or every one is
  // forgotten): no connecting and no waiting, so a host that never counted
  // exits at once even while the daemon is down.
  if (jobs_->Take(JobTable::Which::kAll).empty()) return absl::OkStatus();
  absl::Duration attempt = kFirstFinalAttempt;
  while (true) {
    bool fork_pending;
    {
      absl::MutexLock lock(&mu_);
      fork_pending = fork_pending_;
    }
    if (fork_pending) Park();
    // Every attempt closes: if the daemon applied an earlier one whose reply
    // was lost, the tombstone it keeps makes this one count nothing twice.
    const absl::Status status =
        Confirm(std::min(deadline, Now() + attempt), /*closing=*/true);
    if (status.ok() || Now() >= deadline) return status;
    attempt = attempt * 2;
    // A refusal was set aside inside Confirm: retry the rest at once.
    // Otherwise pause briefly, so a daemon that fails fast is not hammered.
    if (!IsRefusal(status)) {
      absl::SleepFor(std::min(kFinalRetryPause, deadline - Now()));
    }
  }
}

}  // namespace progress::client
