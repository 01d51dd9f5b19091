#ifndef PROGRESS_CLIENT_REPORTER_DAEMON_POLLER_H_
#define PROGRESS_CLIENT_REPORTER_DAEMON_POLLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon_set.h"
#include "job_sum.h"

namespace progress::reporter {

// Asks every daemon of `daemons` at once for the followed `jobs` (empty:
// every job it has) and waits for all of them, every call ending by
// `deadline`: one daemon that does not answer costs the poll at most the
// deadline, not the deadline once per daemon. Returns one answer per daemon
// in order, then one per unresolved server (its resolution error).
std::vector<DaemonAnswer> PollDaemons(const DaemonSet::Resolution& daemons,
                                      const std::vector<std::string>& jobs,
                                      absl::Time deadline);

// Only these mean the daemon could not be asked; every other code is an
// answer from whatever listens there, and waiting would not change it.
// CANCELLED is among them because the reporter never cancels a call itself:
// it is what a daemon that is shutting down (to restart, say) returns to
// calls that arrive in that moment.
bool IsUnreachable(const absl::Status& status);

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_DAEMON_POLLER_H_
