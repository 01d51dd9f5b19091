#include "read_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"

ABSL_FLAG(std::string, read_listen, "",
          "Also serve GetCounts and ListJobs on this host:port, from a "
          "process of progressd's own (progressd-reads) with its own threads "
          "and poller, so a flood of increments cannot delay reads there; "
          "port 0 picks a free one. Counts there trail --listen's by "
          "--read_publish_interval (more with thousands of jobs: each "
          "hand-over waits nine times as long as the last took), rates and "
          "ages by up to a second; if progressd stops handing over for 5s, "
          "reads there fail UNAVAILABLE. Point reporters and dashboards at "
          "it. Empty: reads are served on --listen only.");
ABSL_FLAG(std::string, read_port_file, "",
          "If set, write the --read_listen port to this file once it "
          "listens.");
ABSL_FLAG(absl::Duration, read_publish_interval, absl::Milliseconds(2),
          "How often at most the counts are handed to the --read_listen "
          "process when something changed (1ms to 1s).");
ABSL_FLAG(int, write_nice, 0,
          "Run progressd's own threads this much below normal priority (0 to "
          "19, as nice(1)), after starting the --read_listen process at "
          "normal priority: on a busy machine its reads then win the CPU "
          "over the counting of increments, and workers on the same machine "
          "over both.");
// Defined beside the read server's main, so --help leaves it out.
ABSL_DECLARE_FLAG(int, read_server_fd);

namespace progress {

absl::StatusOr<ReadServingConfig> ReadServingFromFlags() {
  ReadServingConfig config;
  config.listen = absl::GetFlag(FLAGS_read_listen);
  config.port_file = absl::GetFlag(FLAGS_read_port_file);
  config.publish_interval = absl::GetFlag(FLAGS_read_publish_interval);
  config.write_nice = absl::GetFlag(FLAGS_write_nice);
  config.server_fd = absl::GetFlag(FLAGS_read_server_fd);
  if (config.publish_interval < absl::Milliseconds(1) ||
      config.publish_interval > absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--read_publish_interval must be between 1ms and 1s");
  }
  if (config.write_nice < 0 || config.write_nice > 19) {
    return absl::InvalidArgumentError("--write_nice must be 0 to 19");
  }
  if (config.server_fd >= 0 && config.listen.empty()) {
    return absl::InvalidArgumentError(
        "--read_server_fd is progressd's own, with --read_listen");
  }
  if (!config.port_file.empty() && config.listen.empty()) {
    return absl::InvalidArgumentError("--read_port_file needs --read_listen");
  }
  return config;
}

}  // namespace progress
