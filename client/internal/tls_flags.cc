#include "tls_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"

ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting gRPC's default roots unless --tls_ca "
          "is given. false: $PROGRESS_TRACKER_TLS (1/true) decides.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate(s) the daemon's certificate must be signed by; "
          "turns TLS on. Empty: $PROGRESS_TRACKER_TLS_CA.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for a daemon that requires one (mTLS); "
          "turns TLS on. Empty: $PROGRESS_TRACKER_TLS_CERT.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert. Empty: $PROGRESS_TRACKER_TLS_KEY.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name the daemon's certificate must carry when it is not --server's "
          "host. Empty: $PROGRESS_TRACKER_TLS_SERVER_NAME.");

namespace progress::internal {

absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags() {
  TlsSettings tls;
  tls.tls = absl::GetFlag(FLAGS_tls);
  tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls.key_file = absl::GetFlag(FLAGS_tls_key);
  tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  absl::StatusOr<TlsSettings> settings = WithEnvironment(tls);
  if (!settings.ok()) return settings.status();
  return LoadChannelSecurity(*settings);
}

bool IsTlsFlagFile(absl::string_view path) {
  return absl::EndsWith(path, "internal/tls_flags.cc");
}

}  // namespace progress::internal
