// progressd's TLS flags as a process: bad combinations and files, what it
// says at start-up, and /metrics over HTTPS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "tls_test_helpers.h"

namespace progress {
namespace {

using ::progress::testing::Cert;
using ::progress::testing::ChildProcess;
using ::progress::testing::CommandResult;
using ::progress::testing::Daemon;
using ::progress::testing::RunCommand;
using ::progress::testing::TlsFlags;
using ::testing::HasSubstr;
using ::testing::Not;

CommandResult RunProgressd(const std::string& flags) {
  return RunCommand(absl::StrCat(PROGRESSD_PATH,
                                 " --listen=127.0.0.1:0 "
                                 "--metrics_listen= ",
                                 flags));
}

// How often `text` occurs in `output`.
int Count(const std::string& output, const std::string& text) {
  int count = 0;
  for (size_t at = output.find(text); at != std::string::npos;
       at = output.find(text, at + 1)) {
    ++count;
  }
  return count;
}

// GET /metrics over HTTPS with Python's ssl module, trusting `ca`, with the
// client certificate `client` ("" for none). Prints the body, or the error.
CommandResult HttpsGet(int port, const std::string& client) {
  const std::string load_cert =
      client.empty()
          ? ""
          : absl::StrCat("c.load_cert_chain('", Cert(client + ".pem"), "', '",
                         Cert(client + ".key"), "'); ");
  return RunCommand(
      absl::StrCat("python3 -c \"import ssl, urllib.request; "
                   "c = ssl.create_default_context(cafile='",
                   Cert("ca.pem"), "'); ", load_cert,
                   "print(urllib.request.urlopen('https://127.0.0.1:", port,
                   "/metrics', context=c, timeout=10).read().decode())\""));
}

TEST(ProgressdTlsTest, KeyWithoutCertificateExitsTwoNamingTheFlags) {
  const CommandResult run = RunProgressd("--tls_key=" + Cert("server.key"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("--tls_key needs --tls_cert: give both or neither"));
  const CommandResult cert_only =
      RunProgressd("--tls_cert=" + Cert("server.pem"));
  EXPECT_EQ(cert_only.exit_code, 2) << cert_only.output;
  EXPECT_THAT(cert_only.output, HasSubstr("--tls_cert needs --tls_key"));
}

TEST(ProgressdTlsTest, ClientCaWithoutCertificateExitsTwo) {
  const CommandResult run = RunProgressd("--tls_client_ca=" + Cert("ca.pem"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--tls_client_ca needs --tls_cert"));
}

TEST(ProgressdTlsTest, UnreadableFilesExitTwoNamingFlagAndFile) {
  const CommandResult missing = RunProgressd(absl::StrCat(
      "--tls_cert=/nonexistent/server.pem --tls_key=", Cert("server.key")));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output,
              HasSubstr("--tls_cert: cannot read /nonexistent/server.pem: No "
                        "such file or directory"));
  const CommandResult not_pem = RunProgressd(absl::StrCat(
      "--tls_cert=", Cert("server.pem"), " --tls_key=", Cert("server.pem"),
      " --tls_client_ca=", Cert("server.ext")));
  EXPECT_EQ(not_pem.exit_code, 2) << not_pem.output;
  EXPECT_THAT(not_pem.output,
              HasSubstr(absl::StrCat("--tls_client_ca: ", Cert("server.ext"),
                                     " is not a PEM file")));
}

TEST(ProgressdTlsTest, KeyOfAnotherCertificateIsAStartupError) {
  const CommandResult run = RunProgressd(absl::StrCat(
      "--tls_cert=", Cert("server.pem"), " --tls_key=", Cert("client.key")));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("with TLS (address in use, not an address of this "
                        "host, or a certificate that does not match its "
                        "key?)"));
}

TEST(ProgressdTlsTest, StartupLineSaysWhetherTlsIsOn) {
  Daemon plaintext;
  Daemon tls(TlsFlags());
  Daemon mutual(TlsFlags("server", /*mutual=*/true));
  ASSERT_TRUE(plaintext.process().WaitForOutput("progressd listening on"));
  ASSERT_TRUE(tls.process().WaitForOutput("progressd listening on"));
  ASSERT_TRUE(mutual.process().WaitForOutput("progressd listening on"));
  EXPECT_THAT(plaintext.process().output(),
              HasSubstr(plaintext.address() + " (plaintext)"));
  EXPECT_THAT(tls.process().output(), HasSubstr(tls.address() + " (TLS)"));
  EXPECT_THAT(mutual.process().output(),
              HasSubstr(mutual.address() + " (mTLS)"));
}

TEST(ProgressdTlsTest, NonLoopbackWithoutTlsWarnsOnce) {
  Daemon daemon({"--listen=0.0.0.0:0"});
  ASSERT_TRUE(daemon.process().WaitForOutput("progressd listening on"));
  const std::string output = daemon.process().output();
  EXPECT_EQ(Count(output, "without TLS"), 1) << output;
  EXPECT_THAT(output,
              HasSubstr(absl::StrCat("listening on 0.0.0.0:", daemon.port(),
                                     " without TLS: any host that can reach "
                                     "it can report and read counts; see "
                                     "--tls_cert")));
}

TEST(ProgressdTlsTest, NonLoopbackWithTlsOrLoopbackDoesNotWarn) {
  std::vector<std::string> flags = TlsFlags();
  flags.push_back("--listen=0.0.0.0:0");
  Daemon tls(flags);
  Daemon loopback;
  ASSERT_TRUE(tls.process().WaitForOutput("progressd listening on"));
  ASSERT_TRUE(loopback.process().WaitForOutput("progressd listening on"));
  EXPECT_THAT(tls.process().output(), Not(HasSubstr("without TLS")));
  EXPECT_THAT(loopback.process().output(), Not(HasSubstr("without TLS")));
}

TEST(ProgressdTlsTest, WithoutHttpsMetricsStayOnLoopbackOrTheDaemonRefuses) {
  // A progressd without its civetweb OpenSSL shims beside it (they are
  // found through $ORIGIN) cannot serve HTTPS.
  const std::string alone =
      absl::StrCat(::testing::TempDir(), "/progressd-", getpid(), "-alone");
  ASSERT_EQ(
      RunCommand(absl::StrCat("cp ", PROGRESSD_PATH, " ", alone)).exit_code, 0);
  const std::string tls =
      absl::StrCat(" --listen=127.0.0.1:0 --tls_cert=", Cert("server.pem"),
                   " --tls_key=", Cert("server.key"));
  const CommandResult open =
      RunCommand(absl::StrCat(alone, tls, " --metrics_listen=0.0.0.0:0"));
  EXPECT_EQ(open.exit_code, 2) << open.output;
  EXPECT_THAT(open.output,
              HasSubstr("will not serve metrics in plaintext off loopback"));

  // On loopback it serves /metrics in plain HTTP, and says why.
  ChildProcess loopback(
      {alone, "--listen=127.0.0.1:0", "--tls_cert=" + Cert("server.pem"),
       "--tls_key=" + Cert("server.key"), "--metrics_listen=127.0.0.1:0"});
  EXPECT_TRUE(loopback.WaitForOutput("progressd listening on"))
      << loopback.output();
  EXPECT_THAT(loopback.output(),
              HasSubstr("/metrics and the web page stay plain HTTP on "
                        "loopback: cannot serve HTTPS (cannot load "
                        "libprogress_civetweb"));
  loopback.Signal(SIGTERM);
  EXPECT_EQ(loopback.WaitForExit(absl::Seconds(20)), 0);
  std::remove(alone.c_str());
}

TEST(ProgressdTlsTest, MetricsAreServedOverHttpsWithTheSameCertificate) {
  Daemon daemon(TlsFlags());
  ASSERT_TRUE(daemon.process().WaitForOutput("progressd listening on"));
  EXPECT_THAT(daemon.process().output(), HasSubstr("metrics https://"));
  const int port = daemon.metrics_port();
  ASSERT_GT(port, 0);
  const CommandResult scrape = HttpsGet(port, "");
  EXPECT_EQ(scrape.exit_code, 0) << scrape.output;
  EXPECT_THAT(scrape.output, HasSubstr("progress_tracker_jobs 0"));
  // Plain HTTP on the same port gets nothing.
  const CommandResult plain = RunCommand(absl::StrCat(
      "python3 -c \"import urllib.request; urllib.request.",
      "urlopen('http://127.0.0.1:", port, "/metrics', timeout=5)\""));
  EXPECT_NE(plain.exit_code, 0) << plain.output;
}

TEST(ProgressdTlsTest, MetricsWithMtlsNeedAClientCertificateFromTheCa) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  ASSERT_TRUE(daemon.process().WaitForOutput("progressd listening on"));
  const int port = daemon.metrics_port();
  ASSERT_GT(port, 0);
  const CommandResult with_cert = HttpsGet(port, "client");
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.output;
  EXPECT_THAT(with_cert.output, HasSubstr("progress_tracker_jobs 0"));
  EXPECT_NE(HttpsGet(port, "").exit_code, 0);
  EXPECT_NE(HttpsGet(port, "other-client").exit_code, 0);
  // The daemon survived every refused handshake.
  EXPECT_EQ(HttpsGet(port, "client").exit_code, 0);
}

}  // namespace
}  // namespace progress
