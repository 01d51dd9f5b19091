// progress-reporter as a process, against a real server in this process.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "reporter_test_helpers.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::kProgressLine;
using ::progress::testing::Lines;
using ::progress::testing::Send;
using ::progress::testing::StartJob;
using ::progress::testing::StdoutCapture;
using ::progress::testing::TestServer;
using ::progress::testing::UnusedPort;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

ChildProcess Reporter(const std::string& address,
                      std::vector<std::string> flags,
                      StdoutCapture capture = StdoutCapture::kMerged) {
  return ::progress::testing::RunReporter(address, std::move(flags), capture);
}

// Each line of `text` parsed as a JSON object; fails the test on any other.
std::vector<google::protobuf::Struct> JsonObjects(const std::string& text) {
  std::vector<google::protobuf::Struct> objects;
  for (const std::string& line : Lines(text)) {
    google::protobuf::Struct object;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
        << "not a JSON line: " << line;
    objects.push_back(std::move(object));
  }
  return objects;
}

TEST(ReporterProcessTest, LogsTheSeedFormatOnStderrAndExitsAtTheTotal) {
  TestServer server;
  StartJob(server, "logged", 1000);
  ChildProcess reporter =
      Reporter(server.address(), {"--job=logged", "--until_done"},
               StdoutCapture::kSeparate);
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 0/1,000 (0.0%)"));
  Send(server, "w1", "logged", 400, 10);
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 410/1,000 (41.0%)"));
  Send(server, "w2", "logged", 580, 10);

  const std::optional<int> exit_code = reporter.WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << reporter.output();
  EXPECT_EQ(*exit_code, 0);
  // Log output coexists with the program's own output, as in the seed.
  EXPECT_THAT(reporter.stdout_output(), IsEmpty());
  const std::vector<std::string> lines = Lines(reporter.output());
  int progress_lines = 0;
  for (const std::string& line : lines) {
    if (line.find("Progress: ") == std::string::npos) continue;
    ++progress_lines;
    EXPECT_TRUE(std::regex_match(line, kProgressLine)) << line;
  }
  EXPECT_GE(progress_lines, 3);
  ASSERT_GE(lines.size(), 4u);
  const size_t n = lines.size();
  EXPECT_EQ(lines[n - 4], std::string(50, '-'));
  EXPECT_EQ(lines[n - 3], "Final: 1,000 total | 980 success | 20 failure");
  EXPECT_TRUE(std::regex_match(
      lines[n - 2], std::regex(R"(Time: \d+\.\ds \| Rate: [\d,]+ rec/s)")))
      << lines[n - 2];
  EXPECT_EQ(lines[n - 1], std::string(50, '-'));
}

TEST(ReporterProcessTest, JsonLinesParse) {
  TestServer server;
  StartJob(server, "as-json", 10);
  Send(server, "w1", "as-json", 10, 0);
  ChildProcess reporter = Reporter(
      server.address(), {"--job=as-json", "--until_done", "--format=json"},
      StdoutCapture::kSeparate);
  ASSERT_EQ(reporter.WaitForExit(absl::Seconds(20)), 0) << reporter.output();
  const std::vector<google::protobuf::Struct> objects =
      JsonObjects(reporter.stdout_output());
  ASSERT_FALSE(objects.empty());
  for (const google::protobuf::Struct& object : objects) {
    EXPECT_EQ(object.fields().at("job").string_value(), "as-json");
    EXPECT_EQ(object.fields().at("success").number_value(), 10);
    EXPECT_EQ(object.fields().at("total").number_value(), 10);
    EXPECT_TRUE(object.fields().at("complete").bool_value());
  }
}

TEST(ReporterProcessTest, JsonStdoutStaysPureWhileWarningsGoToStderr) {
  const int port = UnusedPort();
  ChildProcess reporter = Reporter(
      absl::StrCat("127.0.0.1:", port),
      {"--job=late", "--until_done", "--format=json", "--connect_timeout=60s"},
      StdoutCapture::kSeparate);
  ASSERT_TRUE(reporter.WaitForOutput("cannot reach progressd"))
      << reporter.output();

  TestServer server(RegistryOptions{}, ServerOptions{}, port);
  StartJob(server, "late", 10);
  Send(server, "w1", "late", 10, 0);
  ASSERT_EQ(reporter.WaitForExit(absl::Seconds(30)), 0) << reporter.output();

  EXPECT_THAT(reporter.output(), HasSubstr("reached progressd at"));
  const std::string stdout_text = reporter.stdout_output();
  EXPECT_THAT(stdout_text, Not(HasSubstr("progressd")));
  const std::vector<google::protobuf::Struct> objects =
      JsonObjects(stdout_text);
  ASSERT_FALSE(objects.empty()) << reporter.output();
  EXPECT_EQ(objects.back().fields().at("success").number_value(), 10);
  EXPECT_TRUE(objects.back().fields().at("complete").bool_value());
}

TEST(ReporterProcessTest, NeverReachingTheServerIsExitCodeThree) {
  ChildProcess reporter = Reporter(absl::StrCat("127.0.0.1:", UnusedPort()),
                                   {"--job=x", "--connect_timeout=500ms"});
  EXPECT_EQ(reporter.WaitForExit(absl::Seconds(20)), 3);
  EXPECT_THAT(reporter.output(), HasSubstr("never reached progressd"));
}

TEST(ReporterProcessTest, FailuresAreExitCodeFourWhenAsked) {
  TestServer server;
  StartJob(server, "failing", 10);
  Send(server, "w1", "failing", 9, 1);
  ChildProcess reporter =
      Reporter(server.address(),
               {"--job=failing", "--until_done", "--fail_on_failures"});
  EXPECT_EQ(reporter.WaitForExit(absl::Seconds(20)), 4);
}

TEST(ReporterProcessTest, TotalFlagOverridesAndEveryJobIsFollowedByDefault) {
  TestServer server;
  Send(server, "w1", "first", 5, 0);
  Send(server, "w1", "second", 5, 0);
  ChildProcess reporter =
      Reporter(server.address(), {"--until_done", "--total=5"});
  ASSERT_EQ(reporter.WaitForExit(absl::Seconds(20)), 0) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("[first] Progress: 5/5 (100.0%)"));
  EXPECT_THAT(reporter.output(), HasSubstr("[second] Progress: 5/5 (100.0%)"));
  EXPECT_THAT(reporter.output(), HasSubstr("Job: second"));
}

TEST(ReporterProcessTest, JobFlagRepeats) {
  TestServer server;
  Send(server, "w1", "one", 1, 0);
  Send(server, "w1", "two", 1, 0);
  Send(server, "w1", "three", 1, 0);
  ChildProcess reporter =
      Reporter(server.address(),
               {"--job=one", "--job", "two", "--until_done", "--total=1"});
  ASSERT_EQ(reporter.WaitForExit(absl::Seconds(20)), 0) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("[one] Progress: 1/1"));
  EXPECT_THAT(reporter.output(), HasSubstr("[two] Progress: 1/1"));
  EXPECT_THAT(reporter.output(), ::testing::Not(HasSubstr("[three]")));
}

TEST(ReporterProcessTest, SurvivesTheDaemonGoingAwayAndComingBack) {
  auto server = std::make_unique<TestServer>();
  const int port = server->server().port();
  StartJob(*server, "resilient", 100);
  Send(*server, "w1", "resilient", 10, 0);
  ChildProcess reporter =
      Reporter(server->address(), {"--job=resilient", "--until_done"});
  ASSERT_TRUE(reporter.WaitForOutput("Progress: 10/100"));

  server.reset();  // The daemon goes away...
  ASSERT_TRUE(reporter.WaitForOutput("cannot reach progressd"))
      << reporter.output();
  absl::SleepFor(absl::Milliseconds(500));  // ...for several polls...

  // ...and comes back on its port.
  server =
      std::make_unique<TestServer>(RegistryOptions{}, ServerOptions{}, port);
  StartJob(*server, "resilient", 100);
  Send(*server, "w1", "resilient", 100, 0);
  EXPECT_EQ(reporter.WaitForExit(absl::Seconds(30)), 0) << reporter.output();

  const std::string output = reporter.output();
  size_t warnings = 0;
  for (size_t at = output.find("cannot reach"); at != std::string::npos;
       at = output.find("cannot reach", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << "warn once, not every poll";
  EXPECT_THAT(output, HasSubstr("reached progressd at"));
}

}  // namespace
}  // namespace progress
