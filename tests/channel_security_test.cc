// TLS settings from options and the environment, and what they turn into.
#include "channel_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include "absl/status/status.h"

namespace progress::internal {
namespace {

using ::testing::HasSubstr;

class ChannelSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"PROGRESS_TRACKER_TLS", "PROGRESS_TRACKER_TLS_CA",
          "PROGRESS_TRACKER_TLS_CERT", "PROGRESS_TRACKER_TLS_KEY",
          "PROGRESS_TRACKER_TLS_SERVER_NAME"}) {
      unsetenv(name);
    }
  }

  // A file holding something PEM-shaped; TLS itself is not exercised here.
  static std::string PemFile(const std::string& name) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << "-----BEGIN CERTIFICATE-----\nAA==\n"
                        << "-----END CERTIFICATE-----\n";
    return path;
  }
};

TEST_F(ChannelSecurityTest, UnsetFieldsComeFromTheEnvironment) {
  setenv("PROGRESS_TRACKER_TLS", "true", 1);
  setenv("PROGRESS_TRACKER_TLS_CA", "/env/ca.pem", 1);
  setenv("PROGRESS_TRACKER_TLS_CERT", "/env/cert.pem", 1);
  setenv("PROGRESS_TRACKER_TLS_KEY", "/env/key.pem", 1);
  setenv("PROGRESS_TRACKER_TLS_SERVER_NAME", "env.example", 1);
  TlsSettings given;
  given.ca_file = "/given/ca.pem";
  absl::StatusOr<TlsSettings> settings = WithEnvironment(given);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->tls);
  EXPECT_EQ(settings->ca_file, "/given/ca.pem");
  EXPECT_EQ(settings->cert_file, "/env/cert.pem");
  EXPECT_EQ(settings->key_file, "/env/key.pem");
  EXPECT_EQ(settings->server_name, "env.example");
}

TEST_F(ChannelSecurityTest, TlsVariableAcceptsOnlyBooleans) {
  setenv("PROGRESS_TRACKER_TLS", "0", 1);
  ASSERT_TRUE(WithEnvironment({}).ok());
  EXPECT_FALSE(WithEnvironment({})->tls);
  setenv("PROGRESS_TRACKER_TLS", "YES", 1);
  EXPECT_TRUE(WithEnvironment({})->tls);
  setenv("PROGRESS_TRACKER_TLS", "on please", 1);
  absl::StatusOr<TlsSettings> bad = WithEnvironment({});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("PROGRESS_TRACKER_TLS must be"));
}

TEST_F(ChannelSecurityTest,
       AnExplicitPlaintextVariableIgnoresTheFileVariables) {
  setenv("PROGRESS_TRACKER_TLS", "0", 1);
  setenv("PROGRESS_TRACKER_TLS_CA", "/env/ca.pem", 1);
  setenv("PROGRESS_TRACKER_TLS_CERT", "/env/cert.pem", 1);
  setenv("PROGRESS_TRACKER_TLS_KEY", "/env/key.pem", 1);
  absl::StatusOr<TlsSettings> settings = WithEnvironment({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity(*settings);
  ASSERT_TRUE(security.ok()) << security.status();
  EXPECT_FALSE(security->tls);
  // A file given explicitly (an option or a flag) still means TLS.
  TlsSettings given;
  given.ca_file = "/given/ca.pem";
  settings = WithEnvironment(given);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->ca_file, "/given/ca.pem");
  EXPECT_TRUE(settings->cert_file.empty());
}

TEST_F(ChannelSecurityTest, NothingSetIsPlaintext) {
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity({});
  ASSERT_TRUE(security.ok());
  EXPECT_FALSE(security->tls);
  EXPECT_EQ(security->description, "plaintext");
}

TEST_F(ChannelSecurityTest, ACaFileAloneTurnsTlsOnAndIsRead) {
  TlsSettings settings;
  settings.ca_file = PemFile("ca-only.pem");
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity(settings);
  ASSERT_TRUE(security.ok()) << security.status();
  EXPECT_TRUE(security->tls);
  EXPECT_THAT(security->root_certs, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(security->description, HasSubstr(settings.ca_file));
}

TEST_F(ChannelSecurityTest, TlsWithoutACaFileUsesDefaultRoots) {
  TlsSettings settings;
  settings.tls = true;
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity(settings);
  ASSERT_TRUE(security.ok());
  EXPECT_TRUE(security->tls);
  EXPECT_TRUE(security->root_certs.empty());
  EXPECT_THAT(security->description, HasSubstr("default root"));
}

TEST_F(ChannelSecurityTest, AMissingFileIsNamed) {
  TlsSettings settings;
  settings.ca_file = "/nonexistent/ca.pem";
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity(settings);
  ASSERT_FALSE(security.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(security.status()));
  EXPECT_THAT(security.status().message(),
              HasSubstr("CA file: cannot read /nonexistent/ca.pem"));
}

TEST_F(ChannelSecurityTest, ACertificateNeedsItsKey) {
  TlsSettings settings;
  settings.cert_file = PemFile("lonely-cert.pem");
  absl::StatusOr<ChannelSecurity> security = LoadChannelSecurity(settings);
  ASSERT_FALSE(security.ok());
  EXPECT_THAT(security.status().message(), HasSubstr("needs its key"));
  settings.cert_file.clear();
  settings.key_file = PemFile("lonely-key.pem");
  EXPECT_THAT(LoadChannelSecurity(settings).status().message(),
              HasSubstr("needs its certificate"));
}

TEST_F(ChannelSecurityTest, AFileThatIsNotPemIsNamed) {
  const std::string path = ::testing::TempDir() + "/not-pem.txt";
  std::ofstream(path) << "hello\n";
  TlsSettings settings;
  settings.ca_file = path;
  EXPECT_THAT(LoadChannelSecurity(settings).status().message(),
              HasSubstr(path + " is not a PEM file"));
}

TEST_F(ChannelSecurityTest, UnavailableOverTlsGainsTheSetupTried) {
  ChannelSecurity tls;
  tls.tls = true;
  tls.description = "TLS with CA file /x.pem";
  const absl::Status explained = WithTlsContext(
      absl::UnavailableError("failed to connect"), "127.0.0.1:1", tls);
  EXPECT_TRUE(absl::IsUnavailable(explained));
  EXPECT_EQ(explained.message(),
            "failed to connect (127.0.0.1:1 over TLS with CA file /x.pem)");
  EXPECT_EQ(WithTlsContext(absl::NotFoundError("job"), "h:1", tls).message(),
            "job");
}

TEST_F(ChannelSecurityTest, PlaintextGainsAHintOnlyWhenDropped) {
  EXPECT_EQ(WithTlsContext(absl::UnavailableError("down"), "h:1", {}).message(),
            "down");
  EXPECT_THAT(
      WithTlsContext(absl::UnavailableError("x: Socket closed"), "h:1", {})
          .message(),
      HasSubstr("h:1 over plaintext: a daemon that requires TLS"));
}

}  // namespace
}  // namespace progress::internal
