// The client library over TLS and mTLS against a real progressd process:
// exact counts when the handshake succeeds, a clear status when it cannot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
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

// Options for `daemon` that trust the test CA.
ClientOptions TrustingCa(const Daemon& daemon) {
  ClientOptions options;
  options.target = daemon.address();
  options.tls_ca_file = Cert("ca.pem");
  options.shutdown_timeout = std::chrono::milliseconds(200);
  return options;
}

ClientOptions WithClientCert(ClientOptions options, const std::string& name) {
  options.tls_cert_file = Cert(name + ".pem");
  options.tls_key_file = Cert(name + ".key");
  return options;
}

// Reports 1000 successes and 7 failures on `job` and reads them back.
void ExpectExactCounts(Client& client, const std::string& job) {
  ASSERT_TRUE(client.status().ok()) << client.status().ToString();
  Job handle = client.GetJob(job);
  for (int i = 0; i < 1000; ++i) handle.AddSuccess();
  handle.AddFailure(7);
  const Status flushed = client.Flush(std::chrono::seconds(20));
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  JobInfo info{};
  const Status read = client.GetCounts(job, &info);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(info.success, 1000u);
  EXPECT_EQ(info.failure, 7u);
}

// The statuses a refused client gets: a driver call, and a flush.
struct Refusal {
  Status get_counts;
  Status flush;
};

Refusal Refused(const ClientOptions& options) {
  Client client(options);
  EXPECT_TRUE(client.status().ok()) << client.status().ToString();
  client.GetJob("refused").AddSuccess(3);
  Refusal refusal;
  JobInfo info{};
  refusal.get_counts =
      client.GetCounts("refused", &info, std::chrono::seconds(5));
  refusal.flush = client.Flush(std::chrono::milliseconds(500));
  EXPECT_EQ(refusal.get_counts.code(), PROGRESS_UNAVAILABLE)
      << refusal.get_counts.ToString();
  EXPECT_EQ(refusal.flush.code(), PROGRESS_DEADLINE_EXCEEDED)
      << refusal.flush.ToString();
  return refusal;
}

TEST(ClientTlsTest, ReportsThroughTlsExactly) {
  Daemon daemon(TlsFlags());
  Client client(TrustingCa(daemon));
  ExpectExactCounts(client, "over-tls");
}

TEST(ClientTlsTest, ReportsThroughMtlsExactly) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  Client client(WithClientCert(TrustingCa(daemon), "client"));
  ExpectExactCounts(client, "over-mtls");
}

TEST(ClientTlsTest, ServerNameOverrideAcceptsACertificateForAnotherName) {
  Daemon daemon(TlsFlags("wrong-host-server"));
  ClientOptions options = TrustingCa(daemon);
  options.tls_server_name = "wrong-host.example";
  Client client(options);
  ExpectExactCounts(client, "renamed");
}

TEST(ClientTlsTest, DefaultClientTakesTlsFromTheEnvironment) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  ChildProcess worker({FAULT_WORKER_PATH, "noisy", "env-tls", "100"},
                      {"PROGRESS_TRACKER_ADDRESS=" + daemon.address(),
                       "PROGRESS_TRACKER_TLS_CA=" + Cert("ca.pem"),
                       "PROGRESS_TRACKER_TLS_CERT=" + Cert("client.pem"),
                       "PROGRESS_TRACKER_TLS_KEY=" + Cert("client.key")});
  const std::optional<int> exit_code = worker.WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0) << worker.output();
  Client reader(WithClientCert(TrustingCa(daemon), "client"));
  JobInfo info{};
  ASSERT_TRUE(reader.GetCounts("env-tls", &info).ok());
  EXPECT_EQ(info.success, 5u);  // One add per 20 ms for 100 ms.
}

TEST(ClientTlsTest, PlaintextClientIsRefusedByATlsDaemon) {
  Daemon daemon(TlsFlags());
  ClientOptions options;
  options.target = daemon.address();
  options.shutdown_timeout = std::chrono::milliseconds(200);
  const Refusal refusal = Refused(options);
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("Socket closed"),
                    HasSubstr("over plaintext: a daemon that requires TLS "
                              "closes plaintext connections like this")));
  EXPECT_THAT(refusal.flush.message(), HasSubstr("over plaintext"));
}

TEST(ClientTlsTest, TlsClientToAPlaintextDaemonFailsClearly) {
  Daemon daemon;
  const Refusal refusal = Refused(TrustingCa(daemon));
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("wrong version number"),
                    HasSubstr(daemon.address() + " over TLS with CA file " +
                              Cert("ca.pem")),
                    HasSubstr("the daemon does not speak TLS")));
}

TEST(ClientTlsTest, MtlsRefusesAClientWithoutACertificate) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  const Refusal refusal = Refused(TrustingCa(daemon));
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("TLS with CA file " + Cert("ca.pem")),
                    HasSubstr("requires client certificates")));
}

TEST(ClientTlsTest, MtlsRefusesAClientCertificateFromAnotherCa) {
  Daemon daemon(TlsFlags("server", /*mutual=*/true));
  const Refusal refusal =
      Refused(WithClientCert(TrustingCa(daemon), "other-client"));
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("client certificate " + Cert("other-client.pem")),
                    HasSubstr("its CA did not sign ours")));
}

TEST(ClientTlsTest, ExpiredServerCertificateFailsClearly) {
  Daemon daemon(TlsFlags("expired-server"));
  const Refusal refusal = Refused(TrustingCa(daemon));
  // gRPC passes on OpenSSL's "certificate verify failed" but not its reason,
  // so the message names the likely ones.
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("Ssl handshake failed"),
                    HasSubstr("certificate verify failed"),
                    HasSubstr("TLS with CA file " + Cert("ca.pem")),
                    HasSubstr("or has expired or is not yet valid")));
  EXPECT_THAT(
      refusal.flush.message(),
      AllOf(HasSubstr("certificate verify failed"), HasSubstr("has expired")));
}

TEST(ClientTlsTest, WrongHostCertificateFailsClearly) {
  Daemon daemon(TlsFlags("wrong-host-server"));
  const Refusal refusal = Refused(TrustingCa(daemon));
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("Peer name 127.0.0.1 is not in peer certificate"),
                    HasSubstr("set the name it carries as tls_server_name")));
  EXPECT_THAT(refusal.flush.message(),
              HasSubstr("Peer name 127.0.0.1 is not in peer certificate"));
}

TEST(ClientTlsTest, UnknownCaFailsClearly) {
  Daemon daemon(TlsFlags());
  ClientOptions options = TrustingCa(daemon);
  options.tls_ca_file = Cert("other-ca.pem");
  const Refusal refusal = Refused(options);
  EXPECT_THAT(refusal.get_counts.message(),
              AllOf(HasSubstr("certificate verify failed"),
                    HasSubstr("TLS with CA file " + Cert("other-ca.pem")),
                    HasSubstr("not signed by that CA")));
}

TEST(ClientTlsTest, UnreadableFileFailsCreationNamingIt) {
  ClientOptions options;
  options.tls_ca_file = "/nonexistent/ca.pem";
  Client missing_ca(options);
  EXPECT_EQ(missing_ca.status().code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_THAT(missing_ca.status().message(),
              HasSubstr("cannot read /nonexistent/ca.pem"));
  options.tls_ca_file.clear();
  options.tls_cert_file = Cert("client.pem");
  Client no_key(options);
  EXPECT_EQ(no_key.status().code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_THAT(no_key.status().message(), HasSubstr("needs its key"));
}

TEST(ClientTlsTest, DefaultClientWithAnUnreadableFileSaysSoOnEveryCall) {
  Daemon daemon(TlsFlags());
  ChildProcess worker({FAULT_WORKER_PATH, "noisy", "bad-env", "40"},
                      {"PROGRESS_TRACKER_ADDRESS=" + daemon.address(),
                       "PROGRESS_TRACKER_TLS_CA=/nonexistent/env-ca.pem"});
  const std::optional<int> exit_code = worker.WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 2);  // DefaultJob() failed.
  const std::string output = worker.output();
  // Once from the library's logger, once from the worker's failed call.
  EXPECT_THAT(output,
              AllOf(HasSubstr("progress-client"),
                    HasSubstr("cannot read /nonexistent/env-ca.pem"),
                    HasSubstr("worker: the default progress client cannot "
                              "reach progressd")));
}

}  // namespace
}  // namespace progress
