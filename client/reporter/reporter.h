#ifndef PROGRESS_CLIENT_REPORTER_REPORTER_H_
#define PROGRESS_CLIENT_REPORTER_REPORTER_H_

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "channel_security.h"
#include "daemon_set.h"
#include "daemon_watch.h"
#include "exit_codes.h"
#include "job_sum.h"
#include "progress/v1/progress.pb.h"
#include "progress_format.h"

namespace progress::reporter {

enum class Format { kLog, kJson };

struct ReporterOptions {
  // The daemons to poll: each entry one daemon (see each_address). A job's
  // progress is the sum over all of them.
  std::vector<std::string> servers = {"127.0.0.1:50051"};
  // Every address each server name resolves to is a daemon of its own,
  // resolved again at every poll (a headless Service: one per pod).
  bool each_address = false;
  // TLS to the daemons, files read; plaintext by default.
  internal::ChannelSecurity security;
  // Jobs to follow; empty means every job the daemons have.
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
// (DaemonSet::Validate checks the servers.)
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

// Polls the daemons every interval and writes one line per job per poll
// (each job summed over the daemons), then the summary when it stops. Keeps
// polling through daemon restarts; while a daemon is missing, the lines say
// the sums are partial. Not thread-safe: Run is called once, from one thread.
class Reporter {
 public:
  Reporter(ReporterOptions options, ReporterOutput output);

  // Polls until the jobs are complete (with until_done), a daemon answers
  // with an error the reporter cannot go on from, or `stop` becomes true;
  // returns the exit code.
  int Run(const std::atomic<bool>& stop);

 private:
  // The last state seen of a followed job, and of the daemons it was summed
  // over, for the summary.
  struct Seen {
    v1::Job job;
    DaemonCoverage coverage;
  };

  // One poll: the daemons asked, their answers, and the sums.
  struct Polled {
    DaemonSet::Resolution daemons;
    std::vector<DaemonAnswer> answers;
    PollSum sum;
  };

  // Asks every daemon, every call ending by `deadline`, and sums.
  Polled Poll(absl::Time deadline);
  void Report(const PollSum& sum, absl::Time now);
  // The error that ends the reporter: a job name some daemon rejects, or an
  // error when no daemon answered with counts.
  std::optional<MissingDaemon> FatalError(const PollSum& sum) const;
  int OnDaemonError(const MissingDaemon& error);
  // Called on a stop request: a last look at the jobs, then the summary.
  int OnStop();
  void PrintSummary(absl::Time now);
  // kExitJobFailures if asked for and a job had failures, else kExitOk.
  int CompletedExitCode() const;

  const ReporterOptions options_;
  const ReporterOutput out_;
  DaemonSet daemons_;
  DaemonWatch watch_;
  std::vector<Seen> last_seen_;
  // Whether the last poll with answers found every followed job complete,
  // and whether some daemon was missing from it.
  bool all_complete_ = false;
  bool partial_ = false;
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_REPORTER_H_
