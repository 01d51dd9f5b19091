// progress-reporter --check, as Docker HEALTHCHECK, Kubernetes exec probes
// and scripts run it: the exit code and at most one line per failing daemon.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "multi_daemon_helpers.h"
#include "reporter_test_helpers.h"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Daemon;
using ::progress::testing::Lines;
using ::progress::testing::NotProgressd;
using ::progress::testing::UnusedPort;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr absl::Duration kExitWait = absl::Seconds(30);

ChildProcess Check(const std::string& servers,
                   std::vector<std::string> flags = {}) {
  std::vector<std::string> args = {PROGRESS_REPORTER_PATH, "--check",
                                   "--server=" + servers};
  args.insert(args.end(), flags.begin(), flags.end());
  return ChildProcess(std::move(args));
}

TEST(ReporterCheckTest, ServingDaemonIsZeroAndSaysNothing) {
  Daemon daemon;
  ChildProcess check = Check(daemon.address());
  ASSERT_EQ(check.WaitForExit(kExitWait), 0) << check.output();
  EXPECT_THAT(check.output(), IsEmpty());
}

TEST(ReporterCheckTest, ClosedPortIsThreeWithOneLineNamingIt) {
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess check = Check(nowhere, {"--connect_timeout=500ms"});
  ASSERT_EQ(check.WaitForExit(kExitWait), 3) << check.output();
  ASSERT_THAT(Lines(check.output()), SizeIs(1)) << check.output();
  EXPECT_THAT(check.output(), HasSubstr("cannot reach progressd at " + nowhere +
                                        " within 500ms: UNAVAILABLE"));
}

TEST(ReporterCheckTest, WithoutConnectTimeoutItGivesUpAfterTwoSeconds) {
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess check = Check(nowhere);
  ASSERT_EQ(check.WaitForExit(kExitWait), 3) << check.output();
  EXPECT_THAT(check.output(), HasSubstr(" within 2s: "));
}

TEST(ReporterCheckTest, NotServingIsSix) {
  NotProgressd stopping(NotProgressd::Health::kNotServing);
  ChildProcess check = Check(stopping.address());
  ASSERT_EQ(check.WaitForExit(kExitWait), 6) << check.output();
  ASSERT_THAT(Lines(check.output()), SizeIs(1)) << check.output();
  EXPECT_THAT(
      check.output(),
      HasSubstr(stopping.address() + " is NOT_SERVING: it is shutting down"));
}

TEST(ReporterCheckTest, ARealDaemonInItsShutdownDelayIsSix) {
  Daemon daemon({"--shutdown_delay=60s"});
  ASSERT_GT(daemon.port(), 0);
  ASSERT_EQ(Check(daemon.address()).WaitForExit(kExitWait), 0);
  daemon.process().Signal(SIGTERM);
  // The daemon still serves calls during the delay; only health says no.
  int exit_code = 0;
  std::string output;
  for (int attempt = 0; attempt < 100 && exit_code == 0; ++attempt) {
    ChildProcess check = Check(daemon.address());
    exit_code = check.WaitForExit(kExitWait).value_or(-1);
    output = check.output();
  }
  EXPECT_EQ(exit_code, 6) << output;
  EXPECT_THAT(output, HasSubstr(" is NOT_SERVING: it is shutting down"));
  daemon.process().Signal(SIGTERM);  // ends the delay
  EXPECT_EQ(daemon.process().WaitForExit(kExitWait), 0);
}

TEST(ReporterCheckTest, NoHealthServiceIsOne) {
  NotProgressd foreign(NotProgressd::Health::kOff);
  ChildProcess check = Check(foreign.address(), {"--connect_timeout=60s"});
  ASSERT_EQ(check.WaitForExit(kExitWait), 1) << check.output();
  ASSERT_THAT(Lines(check.output()), SizeIs(1)) << check.output();
  EXPECT_THAT(check.output(),
              HasSubstr(foreign.address() +
                        " has no gRPC health service (UNIMPLEMENTED): not "
                        "progressd?"));
}

TEST(ReporterCheckTest, HealthWithoutTheProgressServiceIsOne) {
  NotProgressd other(NotProgressd::Health::kWithoutTheService);
  ChildProcess check = Check(other.address(), {"--connect_timeout=60s"});
  ASSERT_EQ(check.WaitForExit(kExitWait), 1) << check.output();
  EXPECT_THAT(check.output(),
              HasSubstr("does not serve progress.v1.ProgressTracker"));
}

TEST(ReporterCheckTest, SeveralDaemonsFailIfAnyFailsAndNameOnlyIt) {
  Daemon first;
  Daemon second;
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess check =
      Check(absl::StrCat(first.address(), ",", nowhere),
            {"--server=" + second.address(), "--connect_timeout=500ms"});
  ASSERT_EQ(check.WaitForExit(kExitWait), 3) << check.output();
  ASSERT_THAT(Lines(check.output()), SizeIs(1)) << check.output();
  EXPECT_THAT(check.output(), HasSubstr(nowhere));
  EXPECT_THAT(check.output(), Not(HasSubstr(first.address())));
  EXPECT_THAT(check.output(), Not(HasSubstr(second.address())));

  ChildProcess all_up =
      Check(first.address(), {"--server=" + second.address()});
  EXPECT_EQ(all_up.WaitForExit(kExitWait), 0) << all_up.output();
}

TEST(ReporterCheckTest, TheGravestFailureGivesTheExitCode) {
  NotProgressd stopping(NotProgressd::Health::kNotServing);
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess check = Check(absl::StrCat(nowhere, ",", stopping.address()),
                             {"--connect_timeout=500ms"});
  ASSERT_EQ(check.WaitForExit(kExitWait), 6) << check.output();
  EXPECT_THAT(Lines(check.output()), SizeIs(2)) << check.output();
}

}  // namespace
}  // namespace progress
