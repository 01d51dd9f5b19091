// progress-reporter with several --server entries that are not all
// progressd, one daemon under two addresses, and --each_address: which
// daemons it asks and how it tells what it could not count.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <signal.h>

#include <algorithm>
#include <memory>
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
using ::progress::testing::LastOf;
using ::progress::testing::NotProgressd;
using ::progress::testing::RunReporter;
using ::progress::testing::SendTo;
using ::progress::testing::StdoutCapture;
using ::progress::testing::Strings;
using ::progress::testing::UnusedPort;
using ::progress::testing::WaitForJson;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

constexpr absl::Duration kExitWait = absl::Seconds(30);
constexpr char kPatientConnect[] = "--connect_timeout=120s";

TEST(ReporterSeveralDaemonsTest, OneNeverReachedIsThreeAndNamed) {
  Daemon daemon;
  const std::string nowhere = absl::StrCat("127.0.0.1:", UnusedPort());
  ChildProcess reporter =
      RunReporter(absl::StrCat(daemon.address(), ",", nowhere),
                  {"--job=x", "--connect_timeout=500ms"});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 3) << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("never reached progressd at " + nowhere + " within"));
  EXPECT_THAT(reporter.output(),
              Not(HasSubstr("never reached progressd at " + daemon.address())));
}

TEST(ReporterSeveralDaemonsTest, ADaemonsErrorLeavesItOutOfTheSums) {
  Daemon daemon;
  SendTo(daemon.address(), "w", "j", 4, 0);
  NotProgressd foreign(NotProgressd::Health::kOff);
  ChildProcess reporter =
      RunReporter(absl::StrCat(daemon.address(), ",", foreign.address()),
                  {"--job=j", kPatientConnect});
  ASSERT_TRUE(
      reporter.WaitForOutput("Progress: 4 | success: 4 | failure: 0 | "))
      << reporter.output();
  ASSERT_TRUE(reporter.WaitForOutput("| partial: 1 of 2 daemons missing (" +
                                     foreign.address() + ")"))
      << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("progressd at " + foreign.address() +
                        " answered with an error: UNIMPLEMENTED"));
  reporter.Signal(SIGINT);
  EXPECT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
}

TEST(ReporterSeveralDaemonsTest, WhenEveryDaemonAnswersWithAnErrorItIsOne) {
  NotProgressd first(NotProgressd::Health::kOff);
  NotProgressd second(NotProgressd::Health::kOff);
  ChildProcess reporter =
      RunReporter(first.address(),
                  {"--server=" + second.address(), "--job=j", kPatientConnect});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 1) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("UNIMPLEMENTED"));
}

TEST(ReporterSeveralDaemonsTest, OneDaemonReachedAtTwoAddressesCountsOnce) {
  // Listening on every address, as "[::]:PORT" or "localhost:PORT" may:
  // 127.0.0.1 and ::1 reach the same daemon.
  Daemon daemon({"--listen=[::]:0"});
  SendTo(daemon.address(), "w", "twice", 5, 0);
  const std::string v4 = daemon.address();
  const std::string v6 = absl::StrCat("[::1]:", daemon.port());
  ChildProcess reporter = RunReporter(
      absl::StrCat(v4, ",", v6),
      {"--job=twice", "--until_done", "--total=5", kPatientConnect});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("Progress: 5/5 (100.0%)"));
  EXPECT_THAT(reporter.output(), Not(HasSubstr("Progress: 10")));
  EXPECT_THAT(reporter.output(),
              HasSubstr("progressd at " + v6 + " is the daemon at " + v4 +
                        " reached again"));
}

// The addresses getaddrinfo() gives for `host`, as "ip:port" targets.
std::vector<std::string> Addresses(const std::string& host, int port) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  EXPECT_EQ(getaddrinfo(host.c_str(), nullptr, &hints, &found), 0);
  std::vector<std::string> targets;
  for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ai_family == AF_INET) {
      inet_ntop(AF_INET,
                &reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr, text,
                sizeof text);
      targets.push_back(absl::StrCat(text, ":", port));
    } else if (entry->ai_family == AF_INET6) {
      inet_ntop(AF_INET6,
                &reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr,
                text, sizeof text);
      targets.push_back(absl::StrCat("[", text, "]:", port));
    }
  }
  freeaddrinfo(found);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  return targets;
}

TEST(ReporterEachAddressTest, PollsEveryAddressTheNameResolvesTo) {
  Daemon daemon;  // On 127.0.0.1 only.
  SendTo(daemon.address(), "w", "j", 5, 0);
  const std::string name = absl::StrCat("localhost:", daemon.port());
  const std::vector<std::string> expected =
      Addresses("localhost", daemon.port());
  ChildProcess reporter = RunReporter(
      name, {"--each_address", "--job=j", "--format=json", kPatientConnect},
      StdoutCapture::kSeparate);
  ASSERT_TRUE(WaitForJson(reporter, "j", [](const auto&) { return true; }))
      << reporter.output();
  reporter.Signal(SIGINT);
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 0) << reporter.output();

  EXPECT_THAT(reporter.output(),
              HasSubstr(absl::StrCat(name, " resolves to ", expected.size(),
                                     " daemon")));
  const auto last = LastOf(reporter.stdout_output(), "j");
  ASSERT_TRUE(last.has_value());
  std::vector<std::string> asked = Strings(*last, "daemons_answered");
  for (const std::string& missing : Strings(*last, "daemons_missing")) {
    asked.push_back(missing);
    // Only 127.0.0.1 listens; any other loopback address (::1) is
    // unreachable, said once, and the sums are marked partial.
    EXPECT_THAT(reporter.output(), HasSubstr("cannot reach progressd at " +
                                             missing + " (of " + name + ")"));
  }
  EXPECT_THAT(asked, UnorderedElementsAreArray(expected));
  EXPECT_THAT(Strings(*last, "daemons_answered"),
              ElementsAre(daemon.address()));
  EXPECT_EQ(last->fields().at("success").number_value(), 5);
}

TEST(ReporterEachAddressTest, NeedsHostPortServers) {
  ChildProcess reporter({PROGRESS_REPORTER_PATH, "--each_address",
                         "--server=unix:/run/progressd.sock"});
  ASSERT_EQ(reporter.WaitForExit(kExitWait), 2) << reporter.output();
  EXPECT_THAT(reporter.output(), HasSubstr("bad --server"));
}

}  // namespace
}  // namespace progress
