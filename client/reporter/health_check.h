#ifndef PROGRESS_CLIENT_REPORTER_HEALTH_CHECK_H_
#define PROGRESS_CLIENT_REPORTER_HEALTH_CHECK_H_

#include <spdlog/logger.h>

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon_set.h"

namespace progress::reporter {

// The service progressd reports on through grpc.health.v1.
inline constexpr char kHealthService[] = "progress.v1.ProgressTracker";

// How one daemon answered a health check.
struct HealthVerdict {
  int exit_code = 0;   // An ExitCode; kExitOk when SERVING.
  std::string reason;  // Empty when SERVING: why not, for one line.
};

// The verdict on a Check call to `daemon` that ended with `status` and,
// when OK, `serving` (a grpc.health.v1 ServingStatus value). Unreachable
// verdicts say how long the check tried (`waited`).
HealthVerdict JudgeHealth(const std::string& daemon, const absl::Status& status,
                          int serving, absl::Duration waited);

// progress-reporter --check: asks the health service of every daemon in
// `daemons` whether progress.v1.ProgressTracker is SERVING, trying again a
// daemon that cannot be reached until `timeout` has passed. Logs one error
// line for each daemon that is not serving, naming it and why, and nothing
// when all are. Returns kExitOk when every daemon serves, else the exit code
// of the gravest failure: kExitDaemonError over kExitNotServing over
// kExitUnreachable.
int RunHealthCheck(DaemonSet& daemons,
                   const internal::ChannelSecurity& security,
                   absl::Duration timeout, spdlog::logger& log);

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_HEALTH_CHECK_H_
