// progress-reporter's exit codes, as a process against servers in this
// process: what a script running it can tell apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "names.h"
#include "not_progressd.h"
#include "reporter_test_helpers.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Lines;
using ::progress::testing::NotProgressd;
using ::progress::testing::RunReporter;
using ::progress::testing::Send;
using ::progress::testing::StartJob;
using ::progress::testing::TestServer;
using ::progress::testing::UnusedPort;
using ::testing::HasSubstr;
using ::testing::Not;

// Far longer than any wait below, so a reporter that waits out its connect
// timeout instead of exiting for the reason under test fails the test.
constexpr char kPatientConnect[] = "--connect_timeout=120s";
constexpr absl::Duration kExitWait = absl::Seconds(30);

// Expects `output` to end with the summary block, its Final line `final`.
void ExpectFinalBlock(const std::string& output, const std::string& final) {
  const std::vector<std::string> lines = Lines(output);
  ASSERT_GE(lines.size(), 4u) << output;
  const size_t n = lines.size();
  EXPECT_EQ(lines[n - 4], std::string(50, '-')) << output;
  EXPECT_EQ(lines[n - 3], final) << output;
  EXPECT_EQ(lines[n - 1], std::string(50, '-')) << output;
}

TEST(ReporterExitCodeTest, BadJobNameIsTwoAtStartup) {
  // Nothing listens here: a reporter that polled would wait, not exit.
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess reporter =
      RunReporter(nowhere, {"--job=bad/name", kPatientConnect});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 2) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("bad/name"));
  EXPECT_THAT(reporter.output(), HasSubstr(kNameCharsetDescription));
  EXPECT_THAT(reporter.output(), Not(HasSubstr("reach")));
}

TEST(ReporterExitCodeTest, OverlongJobNameIsTwoAtStartup) {
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess reporter = RunReporter(
      nowhere,
      {"--job=fine", "--job=" + std::string(129, 'a'), kPatientConnect});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 2) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("longer than the limit of 128"));
}

TEST(ReporterExitCodeTest, BadFlagIsTwoAndHelpIsZero) {
  // Abseil's own parser would exit 1, the code for a daemon's error.
  for (const char* flag : {"--no_such_flag", "--interval=soon"}) {
    ChildProcess reporter({PROGRESS_REPORTER_PATH, flag, "--server=127.0.0.1:1",
                           kPatientConnect});
    EXPECT_EQ(reporter.WaitForExit(kExitWait), 2)
        << flag << ": " << reporter.output();
  }
  ChildProcess help({PROGRESS_REPORTER_PATH, "--help"});
  ASSERT_EQ(help.WaitForExit(kExitWait), 0) << help.output();
  EXPECT_THAT(help.output(), HasSubstr("5 stopped by a signal"));
}

TEST(ReporterExitCodeTest, NameTheDaemonRejectsIsTwo) {
  RegistryOptions registry;
  registry.limits.max_job_name_bytes = 8;
  TestServer server(registry);
  ChildProcess reporter = RunReporter(
      server.address(), {"--job=longer-than-eight", kPatientConnect});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 2) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("rejects a job name"));
  EXPECT_THAT(reporter.output(), HasSubstr("longer than the limit of 8"));
}

TEST(ReporterExitCodeTest, ServerThatIsNotProgressdIsOne) {
  NotProgressd foreign(NotProgressd::Health::kOff);
  for (const char* jobs : {"--job=named", "--job="}) {
    ChildProcess reporter =
        RunReporter(foreign.address(), {jobs, kPatientConnect});
    ASSERT_EQ(reporter.WaitForExit(kExitWait), 1)
        << jobs << ": " << reporter.output();
    EXPECT_THAT(reporter.output(), HasSubstr("answered with an error"));
    EXPECT_THAT(reporter.output(), HasSubstr("UNIMPLEMENTED"));
    EXPECT_THAT(reporter.output(), Not(HasSubstr("never reached")));
  }
}

TEST(ReporterExitCodeTest, SignalBeforeTheJobIsDoneIsFiveWithTheSummary) {
  TestServer server;
  StartJob(server, "cut-short", 100);
  Send(server, "w1", "cut-short", 10, 0);
  // One poll at start, then none until the signal's last look.
  ChildProcess reporter = RunReporter(
      server.address(), {"--job=cut-short", "--until_done", "--interval=1h"});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 10/100")) << reporter.output();
  Send(server, "w1", "cut-short", 30, 0);
  reporter.Signal(SIGINT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 5) << reporter.output();
  ExpectFinalBlock(reporter.output(),
                   "Final: 30 total | 30 success | 0 failure");
}

TEST(ReporterExitCodeTest, SignalWithoutUntilDoneIsZero) {
  TestServer server;
  StartJob(server, "watched", 100);
  Send(server, "w1", "watched", 10, 0);
  ChildProcess reporter =
      RunReporter(server.address(), {"--job=watched", "--interval=1h"});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 10/100")) << reporter.output();
  reporter.Signal(SIGINT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  ExpectFinalBlock(reporter.output(),
                   "Final: 10 total | 10 success | 0 failure");
}

TEST(ReporterExitCodeTest, SignalAfterTheJobCompletedIsZero) {
  // As in the demo: the job completes between two polls and the signal
  // comes first; the last look still sees it complete.
  TestServer server;
  StartJob(server, "just-done", 100);
  Send(server, "w1", "just-done", 10, 0);
  ChildProcess reporter = RunReporter(
      server.address(), {"--job=just-done", "--until_done", "--interval=1h"});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 10/100")) << reporter.output();
  Send(server, "w1", "just-done", 100, 0);
  reporter.Signal(SIGTERM);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  ExpectFinalBlock(reporter.output(),
                   "Final: 100 total | 100 success | 0 failure");
}

TEST(ReporterExitCodeTest, SignalBeforeEverReachingTheDaemonIsFive) {
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess reporter =
      RunReporter(nowhere, {"--job=never", "--until_done", kPatientConnect});
  ASSERT_TRUE(reporter.WaitForOutput("cannot reach progressd"))
      << reporter.output();
  reporter.Signal(SIGTERM);
  EXPECT_EQ(reporter.WaitForExit(kExitWait), 5) << reporter.output();
}

}  // namespace
}  // namespace progress
