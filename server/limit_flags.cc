// progressd's flags that bound what clients can make it hold; listed by
// --help with daemon_config.cc's.
#include "limit_flags.h"

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

ABSL_FLAG(int, max_jobs_per_message, 1000,
          "Most jobs one Increment message may name; a larger message fails "
          "its stream with RESOURCE_EXHAUSTED. At least 1000, the most the "
          "client library puts in one message.");
ABSL_FLAG(int, max_streams, 10000,
          "Most Increment streams open at once (about one per client "
          "process); one more fails with RESOURCE_EXHAUSTED and trailing "
          "metadata progress-retry-later: 1, which the client library "
          "retries with backoff.");
ABSL_FLAG(absl::Duration, stream_idle_timeout, absl::Seconds(60),
          "Cancel an Increment stream that sends nothing for this long (the "
          "client library sends a keepalive every second); what it applied "
          "stays applied. At least 1s; 'inf' never cancels.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "Ping a connection that has been quiet this long, so one whose "
          "peer vanished is noticed and closed. At least 1s.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "Close a connection whose keepalive ping is not answered within "
          "this. At least 1s.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(10),
          "Close a connection that has had no call open for this long; "
          "clients reconnect when they need to. 'inf' keeps them.");

namespace progress {

absl::StatusOr<StreamLimits> StreamLimitsFromFlags() {
  StreamLimits limits;
  limits.max_jobs_per_message = absl::GetFlag(FLAGS_max_jobs_per_message);
  limits.max_streams = absl::GetFlag(FLAGS_max_streams);
  limits.stream_idle_timeout = absl::GetFlag(FLAGS_stream_idle_timeout);
  limits.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  limits.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  limits.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);

  if (limits.max_jobs_per_message < kClientJobsPerMessage) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_jobs_per_message must be at least ", kClientJobsPerMessage,
        ": the client library sends up to that many jobs in one message"));
  }
  if (limits.max_streams < 1) {
    return absl::InvalidArgumentError("--max_streams must be at least 1");
  }
  // Below a second, a client library's keepalive (every second) could be
  // late and its healthy stream cancelled; the check runs once a second.
  if (limits.stream_idle_timeout < absl::Seconds(1) ||
      limits.keepalive_time < absl::Seconds(1) ||
      limits.keepalive_timeout < absl::Seconds(1) ||
      limits.max_connection_idle < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--stream_idle_timeout, --keepalive_time, --keepalive_timeout and "
        "--max_connection_idle must each be at least 1s");
  }
  return limits;
}

}  // namespace progress
