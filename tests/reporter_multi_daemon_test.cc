// progress-reporter summing jobs over several daemons (one per node, as a
// DaemonSet runs them), against real progressd processes on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "multi_daemon_helpers.h"
#include "reporter_test_helpers.h"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Count;
using ::progress::testing::Daemon;
using ::progress::testing::Field;
using ::progress::testing::FinishJobOn;
using ::progress::testing::kProgressLine;
using ::progress::testing::LastOf;
using ::progress::testing::Lines;
using ::progress::testing::RunReporter;
using ::progress::testing::SendTo;
using ::progress::testing::StartJobOn;
using ::progress::testing::StdoutCapture;
using ::progress::testing::Strings;
using ::progress::testing::WaitForJson;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::Duration kExitWait = absl::Seconds(30);
constexpr char kPatientConnect[] = "--connect_timeout=120s";

// Three node daemons holding parts of the same jobs: "sum" from a worker on
// each (its driver started it on the second, with the expected total), and
// "only-on-c" from one worker on the third.
class ThreeDaemons : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) daemons_.push_back(std::make_unique<Daemon>());
    StartJobOn(address(1), "sum", 1000);
    SendTo(address(0), "worker-a", "sum", 100, 1);
    SendTo(address(1), "worker-b", "sum", 200, 2);
    SendTo(address(2), "worker-c", "sum", 300, 3);
    SendTo(address(2), "worker-d", "only-on-c", 7, 0);
  }

  std::string address(int i) const { return daemons_[i]->address(); }
  std::string all() const {
    return absl::StrCat(address(0), ",", address(1), ",", address(2));
  }

  std::vector<std::unique_ptr<Daemon>> daemons_;
};

TEST_F(ThreeDaemons, JsonSumsEachJobOverTheDaemonsThatHaveIt) {
  ChildProcess reporter = RunReporter(all(),
                                      {"--job=sum,only-on-c", "--format=json",
                                       "--interval=1h", kPatientConnect},
                                      StdoutCapture::kSeparate);
  // One poll at start, then the signal's last look.
  ASSERT_TRUE(WaitForJson(reporter, "only-on-c", [](const auto&) {
    return true;
  })) << reporter.output();
  reporter.Signal(SIGINT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();

  const auto sum = LastOf(reporter.stdout_output(), "sum");
  ASSERT_TRUE(sum.has_value()) << reporter.stdout_output();
  EXPECT_EQ(sum->fields().at("success").number_value(), 600);
  EXPECT_EQ(sum->fields().at("failure").number_value(), 6);
  EXPECT_EQ(sum->fields().at("total").number_value(), 1000);
  EXPECT_FALSE(sum->fields().at("done").bool_value());
  EXPECT_FALSE(sum->fields().at("partial").bool_value());
  EXPECT_THAT(Strings(*sum, "daemons_answered"),
              ElementsAre(address(0), address(1), address(2)));
  EXPECT_THAT(Strings(*sum, "daemons_missing"), IsEmpty());

  const auto only = LastOf(reporter.stdout_output(), "only-on-c");
  ASSERT_TRUE(only.has_value()) << reporter.stdout_output();
  EXPECT_EQ(only->fields().at("success").number_value(), 7);
  EXPECT_EQ(only->fields().at("total").kind_case(),
            google::protobuf::Value::kNullValue);
}

TEST_F(ThreeDaemons, LogLinesShowTheSumsInTheSeedFormat) {
  ChildProcess reporter =
      RunReporter(all(), {"--job=sum", "--interval=1h", kPatientConnect});
  ASSERT_TRUE(reporter.WaitForOutput(
      "Progress: 606/1,000 (60.6%) | success: 600 | failure: 6 |"))
      << reporter.output();
  reporter.Signal(SIGINT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  for (const std::string& line : Lines(reporter.output())) {
    if (line.find("Progress: ") == std::string::npos) continue;
    EXPECT_TRUE(std::regex_match(line, kProgressLine)) << line;
  }
  EXPECT_THAT(reporter.output(),
              HasSubstr("Final: 606 total | 600 success | 6 failure"));
  EXPECT_THAT(reporter.output(), Not(HasSubstr("partial")));
}

TEST_F(ThreeDaemons, UntilDoneExitsZeroOnceOneDaemonFinishesTheJob) {
  ChildProcess reporter =
      RunReporter(all(), {"--job=sum", "--until_done", kPatientConnect});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 606/1,000"))
      << reporter.output();
  EXPECT_EQ(reporter.WaitForExit(absl::Milliseconds(300)), std::nullopt);
  // The driver finishes the job on the daemon it started it on... or any.
  FinishJobOn(address(0), "sum");
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("Final: 606 total | 600 success | 6 failure"));
}

TEST_F(ThreeDaemons, AJobOnNoDaemonIsWaitedFor) {
  ChildProcess reporter =
      RunReporter(all(), {"--job=nowhere", kPatientConnect});
  ASSERT_TRUE(reporter.WaitForOutput("waiting for job 'nowhere' to appear"))
      << reporter.output();
  SendTo(address(1), "late-worker", "nowhere", 3, 0);
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 3 | success: 3"))
      << reporter.output();
  EXPECT_THAT(reporter.output(), Not(HasSubstr("error")));
}

TEST_F(ThreeDaemons, EveryJobOfEveryDaemonWhenNoneIsNamed) {
  ChildProcess reporter = RunReporter(all(), {"--until_done", "--total=7"});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("[only-on-c] Progress: 7/7"));
  EXPECT_THAT(reporter.output(), HasSubstr("[sum] Progress: 606/7"));
}

TEST_F(ThreeDaemons, AKilledDaemonMakesThePollPartialAndNamesIt) {
  const std::string killed = address(2);
  ChildProcess reporter =
      RunReporter(all(), {"--job=sum", "--until_done", kPatientConnect});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 606/1,000"))
      << reporter.output();
  // Killed as a crash, or a node lost, would.
  daemons_[2]->process().Signal(SIGKILL);
  daemons_[2]->process().WaitForExit(kExitWait);

  const std::string partial =
      "partial: 1 of 3 daemons missing (" + killed + ")";
  ASSERT_TRUE(reporter.WaitForOutput(" | " + partial)) << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("cannot reach progressd at " + killed));
  // The rest is still shown: the first two daemons' counts.
  EXPECT_THAT(reporter.output(),
              HasSubstr("Progress: 303/1,000 (30.3%) | success: 300 | "
                        "failure: 3 | "));
  // Done on one daemon, but the missing one may hold counts still to come.
  FinishJobOn(address(0), "sum");
  EXPECT_EQ(reporter.WaitForExit(absl::Seconds(1)), std::nullopt)
      << reporter.output();
  reporter.Signal(SIGTERM);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 5) << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("Partial: 1 of 3 daemons missing (" + killed + ")"));
  EXPECT_EQ(Count(reporter.output(), "cannot reach"), 1u)
      << "warn once, not every poll";
}

TEST_F(ThreeDaemons, UntilDoneWaitsForAMissingDaemonToComeBack) {
  const std::string frozen = address(2);
  ChildProcess reporter = RunReporter(
      all(), {"--job=sum", "--until_done", "--format=json", kPatientConnect},
      StdoutCapture::kSeparate);
  ASSERT_TRUE(WaitForJson(reporter, "sum", [](const auto& object) {
    return object.fields().at("success").number_value() == 600;
  })) << reporter.output();
  // A node that stops answering (partitioned) keeps its counts: stopped,
  // not killed, so its counts are back when it is.
  daemons_[2]->process().Signal(SIGSTOP);
  ASSERT_TRUE(reporter.WaitForOutput("cannot reach progressd at " + frozen))
      << reporter.output();
  FinishJobOn(address(0), "sum");
  ASSERT_TRUE(WaitForJson(reporter, "sum", [](const auto& object) {
    return Field(object, "done") && Field(object, "partial");
  })) << reporter.stdout_output();
  EXPECT_EQ(reporter.WaitForExit(absl::Milliseconds(500)), std::nullopt);

  daemons_[2]->process().Signal(SIGCONT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("reached progressd at " + frozen));
  const auto last = LastOf(reporter.stdout_output(), "sum");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->fields().at("success").number_value(), 600);
  EXPECT_TRUE(Field(*last, "done"));
  EXPECT_FALSE(Field(*last, "partial"));
  EXPECT_THAT(Strings(*last, "daemons_missing"), IsEmpty());
}

}  // namespace
}  // namespace progress
