#ifndef PROGRESS_CLIENT_REPORTER_REPORTER_H_
#define PROGRESS_CLIENT_REPORTER_REPORTER_H_

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "channel_security.h"
#include "progress/v1/progress.grpc.pb.h"
#include "progress_format.h"

namespace progress::reporter {

// Exit codes of progress-reporter.
enum ExitCode : int {
  kExitOk = 0,
  // The daemon answered with an error other than being unreachable (it is
  // not progressd, refused the reporter, or failed).
  kExitDaemonError = 1,
  kExitUsage = 2,        // Bad flags or job name.
  kExitUnreachable = 3,  // Never reached the daemon within --connect_timeout.
  kExitJobFailures = 4,  // With --fail_on_failures: a job had failures.
  // With until_done: stopped by a signal before every job was complete.
  kExitInterrupted = 5,
};

enum class Format { kLog, kJson };

struct ReporterOptions {
  std::string server = "127.0.0.1:50051";
  // TLS to the daemon, files read; plaintext by default.
  internal::ChannelSecurity security;
  // Jobs to follow; empty means every job the daemon has.
  std::vector<std::string> jobs;
  absl::Duration interval = absl::Milliseconds(500);
  // Replaces the jobs' expected totals when non-zero.
  uint64_t total = 0;
  bool until_done = false;
  bool fail_on_failures = false;
  Format format = Format::kLog;
  absl::Duration connect_timeout = absl::Seconds(10);
};

// INVALID_ARGUMENT naming the rule when a followed job's name could never
// exist on a daemon, so a typo fails at once instead of waiting forever.
absl::Status ValidateOptions(const ReporterOptions& options);

// Where the reporter writes. Everything meant for people (progress lines,
// the summary, warnings, errors) goes to `log` and `summary`, so that `json`
// carries nothing but JSON lines.
struct ReporterOutput {
  // Progress lines, warnings and errors, each with the log prefix.
  std::shared_ptr<spdlog::logger> log;
  // The closing summary block, without a prefix.
  std::shared_ptr<spdlog::logger> summary;
  // One JSON object per job per poll, with Format::kJson.
  std::shared_ptr<spdlog::logger> json;
};

// Polls the daemon every interval and writes one line per job per poll, then
// the summary when it stops. Keeps polling through daemon restarts.
// Not thread-safe: Run is called once, from one thread.
class Reporter {
 public:
  Reporter(ReporterOptions options, ReporterOutput output);

  // Polls until the jobs are complete (with until_done), the daemon answers
  // with an error, or `stop` becomes true; returns the exit code.
  int Run(const std::atomic<bool>& stop);

 private:
  // The followed jobs as the daemon has them now, with every call ending by
  // `deadline`; UNAVAILABLE etc. when it cannot be reached.
  absl::StatusOr<std::vector<v1::Job>> Poll(absl::Time deadline);
  void Report(const std::vector<v1::Job>& jobs, absl::Time now);
  // The exit code for an error the daemon answered a poll with.
  int OnDaemonError(const absl::Status& status);
  // Called on a stop request: a last look at the jobs, then the summary.
  int OnStop();
  void PrintSummary(absl::Time now);
  // kExitJobFailures if asked for and a job had failures, else kExitOk.
  int CompletedExitCode() const;

  const ReporterOptions options_;
  const ReporterOutput out_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;
  // The last state seen of each followed job, for the summary.
  std::vector<v1::Job> last_seen_;
  std::vector<std::string> waiting_for_;  // Named jobs not created yet.
  // Whether the last successful poll found every followed job complete.
  bool all_complete_ = false;
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_REPORTER_H_
