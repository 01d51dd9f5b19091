#ifndef PROGRESS_TESTS_FAULT_TEST_HELPERS_H_
#define PROGRESS_TESTS_FAULT_TEST_HELPERS_H_

// What the fault-matrix tests share: reading a daemon's counts, killing and
// restarting daemons, and running the C worker programs.
#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "http_get.h"
#include "progress/client.hpp"

namespace progress::testing {

// The daemon's counts for `job`, or nullopt if it does not have the job.
inline std::optional<JobInfo> CountsOn(const Daemon& daemon,
                                       const std::string& job) {
  ClientOptions options;
  options.target = daemon.address();
  Client reader(options);
  JobInfo info{};
  if (!reader.GetCounts(job, &info).ok()) return std::nullopt;
  return info;
}

// How long it took until `daemon` held exactly `success` + `failure` for
// `job`; nullopt if that did not happen within `timeout`.
inline std::optional<absl::Duration> TimeUntilCounts(const Daemon& daemon,
                                                     const std::string& job,
                                                     uint64_t success,
                                                     uint64_t failure,
                                                     absl::Duration timeout) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < timeout) {
    std::optional<JobInfo> info = CountsOn(daemon, job);
    if (info && info->success == success && info->failure == failure) {
      return absl::Now() - start;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return std::nullopt;
}

// Kills the daemon as a crash would; returns the port it listened on.
inline int Kill(std::unique_ptr<Daemon>& daemon) {
  const int port = daemon->port();
  daemon->process().Signal(SIGKILL);
  daemon->process().WaitForExit(absl::Seconds(10));
  daemon.reset();
  return port;
}

inline std::unique_ptr<Daemon> Restart(std::unique_ptr<Daemon> daemon,
                                       absl::Duration down_for) {
  const int port = Kill(daemon);
  absl::SleepFor(down_for);
  auto restarted = std::make_unique<Daemon>(std::vector<std::string>{}, port);
  EXPECT_EQ(restarted->port(), port);
  return restarted;
}

// The value of an unlabelled metric on the daemon's /metrics, or -1.
inline double UnlabelledMetric(const Daemon& daemon, const std::string& name) {
  std::optional<std::string> page = HttpGet(daemon.metrics_port(), "/metrics");
  if (!page.has_value()) return -1;
  const size_t at = page->find("\n" + name + " ");
  double value = -1;
  if (at == std::string::npos) return -1;
  const size_t start = at + name.size() + 2;
  if (!absl::SimpleAtod(page->substr(start, page->find('\n', start) - start),
                        &value)) {
    return -1;
  }
  return value;
}

// A worker program (`path`) reporting to `daemon`.
inline ChildProcess Worker(const char* path, const Daemon& daemon,
                           std::vector<std::string> args) {
  args.insert(args.begin(), path);
  return ChildProcess(std::move(args),
                      {"PROGRESS_TRACKER_ADDRESS=" + daemon.address()});
}

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_FAULT_TEST_HELPERS_H_
