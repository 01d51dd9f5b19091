// Exact counts in the ordinary faults of a batch cluster: a daemon restart
// while workers idle, a worker exiting while the daemon is away, and a host
// whose stdout is its data. Every case runs real processes: progressd, and
// workers that are plain C programs using the client library's C API
// (tests/fault_worker.c). fork() has its own: fork_matrix_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fault_test_helpers.h"
#include "progress/client.hpp"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::CountsOn;
using ::progress::testing::Daemon;
using ::progress::testing::Kill;
using ::progress::testing::Restart;
using ::progress::testing::TimeUntilCounts;
using ::testing::HasSubstr;
using ::testing::Not;

ChildProcess Worker(const Daemon& daemon, std::vector<std::string> args) {
  return progress::testing::Worker(FAULT_WORKER_PATH, daemon, std::move(args));
}

TEST(FaultMatrixTest, IdleWorkerCountsAreBackSoonAfterADaemonRestart) {
  auto daemon = std::make_unique<Daemon>();
  ChildProcess worker = Worker(*daemon, {"idle", "idle-restart", "1234", "66"});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();
  ASSERT_TRUE(
      TimeUntilCounts(*daemon, "idle-restart", 1234, 66, absl::Seconds(10)));

  // The worker stays idle: nothing changes, nothing is due to be sent.
  daemon = Restart(std::move(daemon), absl::Milliseconds(300));
  const std::optional<absl::Duration> back =
      TimeUntilCounts(*daemon, "idle-restart", 1234, 66, absl::Seconds(10));
  ASSERT_TRUE(back.has_value()) << worker.output();
  std::cerr << "counts back " << absl::FormatDuration(*back)
            << " after the daemon was listening again\n";
  // The design gives about 1.2 s (gRPC's reconnect backoff, 1 s + 20%
  // jitter, and a keepalive a second); 2 s is the promise.
  EXPECT_LE(*back, absl::Seconds(2));

  // Ray's idle-worker kill: the counts must already be safe.
  worker.Signal(SIGKILL);
  worker.WaitForExit(absl::Seconds(10));
  const std::optional<JobInfo> info = CountsOn(*daemon, "idle-restart");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, 1234u);
  EXPECT_EQ(info->failure, 66u);
  EXPECT_EQ(info->clients, 1u);
}

TEST(FaultMatrixTest, ExitDuringAShortDaemonGapDeliversEverything) {
  auto daemon = std::make_unique<Daemon>();
  ChildProcess worker = Worker(*daemon, {"exit", "exit-gap", "577", "3"});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();

  const int port = Kill(daemon);
  worker.Signal(SIGUSR1);  // exit(0) while no daemon runs...
  absl::SleepFor(absl::Milliseconds(600));
  daemon = std::make_unique<Daemon>(std::vector<std::string>{}, port);

  // ...and the default client's exit-time flush (2 s) finds the new one.
  EXPECT_EQ(worker.WaitForExit(absl::Seconds(10)), 0);
  EXPECT_THAT(worker.output(), Not(HasSubstr("not confirmed")));
  const std::optional<JobInfo> info = CountsOn(*daemon, "exit-gap");
  ASSERT_TRUE(info.has_value()) << worker.output();
  EXPECT_EQ(info->success, 577u);
  EXPECT_EQ(info->failure, 3u);
}

TEST(FaultMatrixTest, ShutdownWaitsOutALongerGapWithinItsTimeout) {
  auto daemon = std::make_unique<Daemon>();
  ChildProcess worker =
      Worker(*daemon, {"shutdown", "shutdown-gap", "900", "9", "6000"});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();
  const int port = Kill(daemon);
  worker.Signal(SIGUSR1);
  absl::SleepFor(absl::Milliseconds(2500));
  daemon = std::make_unique<Daemon>(std::vector<std::string>{}, port);

  EXPECT_EQ(worker.WaitForExit(absl::Seconds(15)), 0) << worker.output();
  EXPECT_THAT(worker.output(), HasSubstr("SHUTDOWN OK"));
  const std::optional<JobInfo> info = CountsOn(*daemon, "shutdown-gap");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, 900u);
  EXPECT_EQ(info->failure, 9u);
}

TEST(FaultMatrixTest, AGapLongerThanTheTimeoutSaysWhatWasNotConfirmed) {
  auto daemon = std::make_unique<Daemon>();
  ChildProcess worker =
      Worker(*daemon, {"shutdown", "lost-gap", "577", "0", "1000"});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();
  Kill(daemon);
  const absl::Time start = absl::Now();
  worker.Signal(SIGUSR1);

  EXPECT_EQ(worker.WaitForExit(absl::Seconds(15)), 3) << worker.output();
  // It kept trying until its deadline, not a moment less.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(950));
  const std::string output = worker.output();
  // The return code and message...
  EXPECT_THAT(output,
              ::testing::ContainsRegex(
                  "SHUTDOWN (DEADLINE_EXCEEDED|UNAVAILABLE) final flush"));
  EXPECT_THAT(output, HasSubstr("577 records (577 success, 0 failure) of 1 "
                                "job were not confirmed"));
  EXPECT_THAT(output, HasSubstr("'lost-gap' 577"));
  // ...and the library's own line on stderr.
  EXPECT_THAT(output, HasSubstr("progress-client"));
  EXPECT_THAT(output, HasSubstr("error: progress client"));
}

TEST(FaultMatrixTest, DefaultClientExitLongAfterTheDaemonWentAwaySaysSo) {
  auto daemon = std::make_unique<Daemon>();
  ChildProcess worker = Worker(*daemon, {"exit", "exit-lost", "41", "1"});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();
  Kill(daemon);
  worker.Signal(SIGUSR1);
  // exit() cannot change the host's exit status; stderr says what was lost.
  EXPECT_EQ(worker.WaitForExit(absl::Seconds(15)), 0);
  EXPECT_THAT(worker.output(),
              HasSubstr("42 records (41 success, 1 failure) of 1 job were not "
                        "confirmed and may be lost: 'exit-lost' 42"));
}

TEST(FaultMatrixTest, HostStdoutHoldsOnlyItsOwnLinesWhileTheLibraryReconnects) {
  auto daemon = std::make_unique<Daemon>();
  const std::string stdout_file =
      absl::StrCat(::testing::TempDir(), "/noisy-host-", getpid(), ".out");
  // The host's stdout goes to a file; its stderr to the pipe the test reads.
  ChildProcess host({"/bin/sh", "-c",
                     absl::StrCat("exec '", FAULT_WORKER_PATH,
                                  "' noisy noisy 3000 > '", stdout_file, "'")},
                    {"PROGRESS_TRACKER_ADDRESS=" + daemon->address()});
  absl::SleepFor(absl::Milliseconds(500));
  daemon = Restart(std::move(daemon), absl::Milliseconds(700));
  ASSERT_EQ(host.WaitForExit(absl::Seconds(30)), 0) << host.output();

  // The library did have something to say, and said it on stderr.
  EXPECT_THAT(host.output(), HasSubstr("cannot reach progressd"));
  std::ifstream out(stdout_file);
  std::string line;
  int lines = 0;
  while (std::getline(out, line)) {
    EXPECT_TRUE(std::regex_match(line, std::regex("host line \\d+"))) << line;
    ++lines;
  }
  EXPECT_GE(lines, 100);
  std::remove(stdout_file.c_str());
  const std::optional<JobInfo> info = CountsOn(*daemon, "noisy");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, static_cast<uint64_t>(lines));
}

}  // namespace
}  // namespace progress
