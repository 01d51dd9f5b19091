#ifndef PROGRESS_CLIENT_SRC_LINK_HEALTH_H_
#define PROGRESS_CLIENT_SRC_LINK_HEALTH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace progress::client {

// Whether a client's sends have been getting through: it logs each change of
// state once (a warning when the daemon cannot be reached, a line when it is
// reached again), and paces retries after failures.
//
// Used by the flusher thread only.
class LinkHealth {
 public:
  LinkHealth(std::string client_id, std::string target,
             absl::Duration min_backoff, absl::Duration max_backoff);

  // Returns when to try again. A daemon that could not be reached is tried
  // again at once: gRPC's channel has its own reconnect backoff, which the
  // flusher's waits drive, and a backoff of ours would only add to it. A
  // daemon that answered with an error is tried again after a backoff that
  // doubles up to the maximum.
  absl::Time NoteFailure(const absl::Status& status);
  void NoteSuccess();

 private:
  const std::string client_id_;
  const std::string target_;
  const absl::Duration min_backoff_;
  const absl::Duration max_backoff_;
  absl::Duration backoff_;
  bool healthy_ = true;
  absl::Time unhealthy_since_;
};

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_LINK_HEALTH_H_
