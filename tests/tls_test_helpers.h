#ifndef PROGRESS_TESTS_TLS_TEST_HELPERS_H_
#define PROGRESS_TESTS_TLS_TEST_HELPERS_H_

// What the TLS tests share: the certificates make_test_certs.sh makes, and
// the daemon flags that use them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"

namespace progress::testing {

// The directory holding the test certificates: the one ctest's tls_certs
// fixture made, or one made for this process when run alone.
inline const std::string& CertDir() {
  static const std::string* const dir = [] {
    if (const char* made = std::getenv("PROGRESS_TEST_CERTS")) {
      return new std::string(made);
    }
    auto* own = new std::string(
        absl::StrCat(::testing::TempDir(), "/progress-certs-", getpid()));
    const CommandResult run =
        RunCommand(absl::StrCat(MAKE_TEST_CERTS_PATH, " ", *own));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return own;
  }();
  return *dir;
}

// The path of one of the files make_test_certs.sh lists ("ca.pem", ...).
inline std::string Cert(const std::string& name) {
  return absl::StrCat(CertDir(), "/", name);
}

// progressd flags for TLS with the server certificate `server` ("server",
// "expired-server", "wrong-host-server"), and mTLS when `mutual`.
inline std::vector<std::string> TlsFlags(const std::string& server = "server",
                                         bool mutual = false) {
  std::vector<std::string> flags = {"--tls_cert=" + Cert(server + ".pem"),
                                    "--tls_key=" + Cert(server + ".key")};
  if (mutual) flags.push_back("--tls_client_ca=" + Cert("ca.pem"));
  return flags;
}

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_TLS_TEST_HELPERS_H_
