#ifndef PROGRESS_CLIENT_REPORTER_REPORTER_H_
#define PROGRESS_CLIENT_REPORTER_REPORTER_H_

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "progress/v1/progress.grpc.pb.h"
#include "progress_format.h"

namespace progress::reporter {

// Exit codes of progress-reporter.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,
  kExitUnreachable = 3,  // Never reached the daemon within --connect_timeout.
  kExitJobFailures = 4,  // With --fail_on_failures: a job had failures.
};

enum class Format { kLog, kJson };

struct ReporterOptions {
  std::string server = "127.0.0.1:50051";
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

// Polls the daemon every interval and writes one line per job per poll, then
// the summary when it stops. Keeps polling through daemon restarts.
class Reporter {
 public:
  // `out` receives progress lines and summaries; warnings go to it too.
  Reporter(ReporterOptions options, std::shared_ptr<spdlog::logger> out,
           std::shared_ptr<spdlog::logger> summary_out);

  // Polls until the jobs are complete (with until_done) or `stop` becomes
  // true; returns the exit code.
  int Run(const std::atomic<bool>& stop);

 private:
  // The followed jobs as the daemon has them now; UNAVAILABLE etc. when it
  // cannot be reached.
  absl::StatusOr<std::vector<v1::Job>> Poll();
  void Report(const std::vector<v1::Job>& jobs, absl::Time now);
  int Finish(absl::Time now);

  const ReporterOptions options_;
  std::shared_ptr<spdlog::logger> out_;
  std::shared_ptr<spdlog::logger> summary_out_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;
  // The last state seen of each followed job, for the summary.
  std::vector<v1::Job> last_seen_;
  std::vector<std::string> waiting_for_;  // Named jobs not created yet.
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_REPORTER_H_
