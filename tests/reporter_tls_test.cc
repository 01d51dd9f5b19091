// progress-reporter polling a TLS daemon: flags and environment, and what it
// prints when the handshake fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_process.h"
#include "progress/client.hpp"
#include "tls_test_helpers.h"

namespace progress {
namespace {

using ::progress::testing::Cert;
using ::progress::testing::ChildProcess;
using ::progress::testing::Daemon;
using ::progress::testing::TlsFlags;
using ::testing::AllOf;
using ::testing::HasSubstr;

ChildProcess Reporter(const Daemon& daemon, std::vector<std::string> flags,
                      std::vector<std::string> env = {}) {
  std::vector<std::string> args = {PROGRESS_REPORTER_PATH,
                                   "--server=" + daemon.address(),
                                   "--interval=100ms"};
  args.insert(args.end(), flags.begin(), flags.end());
  return ChildProcess(std::move(args), std::move(env));
}

// Sends `success` records of `job` over mTLS and waits for the daemon to
// confirm them.
void ReportOverMtls(const Daemon& daemon, const std::string& job,
                    uint64_t success) {
  ClientOptions options;
  options.target = daemon.address();
  options.tls_ca_file = Cert("ca.pem");
  options.tls_cert_file = Cert("client.pem");
  options.tls_key_file = Cert("client.key");
  Client client(options);
  ASSERT_TRUE(client.StartJob(job, success).ok());
  client.GetJob(job).AddSuccess(success);
  ASSERT_TRUE(client.Flush(std::chrono::seconds(20)).ok());
}

TEST(ReporterTlsTest, PollsAnMtlsDaemonUntilDone) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  ReportOverMtls(daemon, "tls-report", 250);
  ChildProcess reporter = Reporter(
      daemon,
      {"--job=tls-report", "--until_done", "--tls_ca=" + Cert("ca.pem"),
       "--tls_cert=" + Cert("client.pem"), "--tls_key=" + Cert("client.key")});
  const std::optional<int> exit_code = reporter.WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << reporter.output();
  EXPECT_EQ(*exit_code, 0) << reporter.output();
  EXPECT_THAT(reporter.output(),
              HasSubstr("Final: 250 total | 250 success | 0 failure"));
}

TEST(ReporterTlsTest, TakesTlsFromTheEnvironment) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  ReportOverMtls(daemon, "env-report", 40);
  ChildProcess reporter =
      Reporter(daemon, {"--job=env-report", "--until_done"},
               {"PROGRESS_TRACKER_TLS_CA=" + Cert("ca.pem"),
                "PROGRESS_TRACKER_TLS_CERT=" + Cert("client.pem"),
                "PROGRESS_TRACKER_TLS_KEY=" + Cert("client.key")});
  const std::optional<int> exit_code = reporter.WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << reporter.output();
  EXPECT_EQ(*exit_code, 0) << reporter.output();
}

TEST(ReporterTlsTest, HandshakeFailureIsPrintedWithItsCause) {
  Daemon daemon(TlsFlags("expired-server"));
  ChildProcess reporter =
      Reporter(daemon, {"--tls_ca=" + Cert("ca.pem"), "--connect_timeout=1s"});
  const std::optional<int> exit_code = reporter.WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << reporter.output();
  EXPECT_EQ(*exit_code, 3) << reporter.output();
  EXPECT_THAT(
      reporter.output(),
      AllOf(HasSubstr("never reached progressd at " + daemon.address()),
            HasSubstr("certificate verify failed"), HasSubstr("has expired"),
            HasSubstr("TLS with CA file " + Cert("ca.pem"))));
}

TEST(ReporterTlsTest, UnreadableTlsFileExitsTwoNamingIt) {
  Daemon daemon(TlsFlags());
  ChildProcess reporter = Reporter(daemon, {"--tls_cert=" + Cert("client.pem"),
                                            "--tls_key=/nonexistent/key.pem"});
  const std::optional<int> exit_code = reporter.WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << reporter.output();
  EXPECT_EQ(*exit_code, 2);
  EXPECT_THAT(reporter.output(), HasSubstr("cannot read /nonexistent/key.pem"));
}

}  // namespace
}  // namespace progress
