#ifndef PROGRESS_CLIENT_SRC_CONFIRMATION_H_
#define PROGRESS_CLIENT_SRC_CONFIRMATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "connection.h"
#include "job_table.h"

namespace progress::client {

// Short Increment streams that end with the daemon's reply: what the
// flusher uses to learn what the daemon holds, as opposed to the long-lived
// stream it only writes to. For the flusher thread only (they read and write
// flusher-owned JobCounter fields).

// Refusals that resending the same job will not cure: the daemon judged the
// job itself (its name, a limit) or its values.
bool IsRefusal(const absl::Status& status);

// Sends every job's values on a fresh stream that waits for the daemon until
// `deadline`, closes it, and checks that the reply covers them; on success
// the jobs' confirmed values are the daemon's. INTERNAL if the reply falls
// short; otherwise the call's status. OK at once, sending nothing, when no
// job is to be sent (see JobTable::Which::kAll). A `closing` stream is the
// final flush's (see IncrementStream::Open).
absl::Status ConfirmAll(Connection& connection, const std::string& client_id,
                        JobTable& jobs, absl::Time deadline, bool closing);

struct RefusedJob {
  std::string job;
  absl::Status status;
};

// After a refused message: sends each job alone to find the ones the daemon
// refuses, marks them refused (they are sent no more) and lists them in
// `refused`. Not OK when the daemon could not be asked about every job.
absl::Status FindRefusedJobs(Connection& connection,
                             const std::string& client_id, JobTable& jobs,
                             absl::Time deadline,
                             std::vector<RefusedJob>* refused);

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_CONFIRMATION_H_
