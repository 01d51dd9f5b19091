#include "link_health.h"

#include <algorithm>
#include <utility>

#include "fork_safe_clock.h"
#include "library_logger.h"

namespace progress::client {

LinkHealth::LinkHealth(std::string client_id, std::string target,
                       absl::Duration min_backoff, absl::Duration max_backoff)
    : client_id_(std::move(client_id)),
      target_(std::move(target)),
      min_backoff_(min_backoff),
      max_backoff_(max_backoff),
      backoff_(min_backoff) {}

absl::Time LinkHealth::NoteFailure(const absl::Status& status) {
  // Cancelled calls are our own doing (Shutdown, fork), not the daemon's.
  if (absl::IsCancelled(status)) return absl::InfinitePast();
  if (healthy_) {
    healthy_ = false;
    unhealthy_since_ = Now();
    const bool unreachable =
        absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
    Log().warn(
        "progress client {}: {} progressd at {} ({}); counting locally "
        "and retrying",
        client_id_, unreachable ? "cannot reach" : "error from", target_,
        status.ToString());
  }
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return absl::InfinitePast();
  }
  const absl::Time retry = Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, max_backoff_);
  return retry;
}

void LinkHealth::NoteSuccess() {
  if (!healthy_) {
    healthy_ = true;
    Log().info("progress client {}: reached progressd at {} again after {}",
               client_id_, target_,
               absl::FormatDuration(absl::Trunc(Now() - unhealthy_since_,
                                                absl::Milliseconds(1))));
  }
  backoff_ = min_backoff_;
}

}  // namespace progress::client
