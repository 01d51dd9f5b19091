#ifndef PROGRESS_CLIENT_INTERNAL_CHANNEL_SECURITY_H_
#define PROGRESS_CLIENT_INTERNAL_CHANNEL_SECURITY_H_

// How a program reaches progressd over TLS, shared by the client library,
// the reporter and the benchmarks: settings from options or flags, completed
// from the environment, and read into what a channel needs. Not installed.
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace progress::internal {

// TLS as a user asked for it: paths, not yet read. Empty and false fields
// are unset and fall back to the environment (see WithEnvironment).
struct TlsSettings {
  // TLS even without a CA file (then with gRPC's default roots).
  bool tls = false;
  std::string ca_file;      // PEM roots that must have signed the daemon.
  std::string cert_file;    // PEM client certificate (chain), for mTLS.
  std::string key_file;     // Its private key.
  std::string server_name;  // Name to expect in the daemon's certificate
                            // instead of the target's host.
};

// `given` with every unset field taken from its environment variable:
// PROGRESS_TRACKER_TLS (1/true/yes or 0/false/no), PROGRESS_TRACKER_TLS_CA,
// PROGRESS_TRACKER_TLS_CERT, PROGRESS_TRACKER_TLS_KEY and
// PROGRESS_TRACKER_TLS_SERVER_NAME. INVALID_ARGUMENT for a
// PROGRESS_TRACKER_TLS that is none of those.
absl::StatusOr<TlsSettings> WithEnvironment(TlsSettings given);

// What a channel to progressd needs, with the files read. Plain data on
// purpose: a gRPC credentials object holds gRPC initialised, which the client
// library must not do across fork(), so credentials are made only with a
// channel (Credentials()).
struct ChannelSecurity {
  bool tls = false;
  std::string root_certs;   // PEM; empty: gRPC's default roots.
  std::string cert_chain;   // PEM; empty: no client certificate.
  std::string private_key;  // PEM key of cert_chain.
  std::string server_name;  // Overrides the target's host when set.
  // For messages: "TLS (CA file /etc/ca.pem, client certificate ...)".
  std::string description = "plaintext";
};

// Reads the files `settings` names. TLS is on when asked for or when a CA or
// certificate file is given. INVALID_ARGUMENT naming the file that cannot be
// read, or a certificate without its key (or a key without a certificate).
absl::StatusOr<ChannelSecurity> LoadChannelSecurity(
    const TlsSettings& settings);

// The channel credentials for `security` (insecure when TLS is off), and the
// channel arguments it needs (the server name override).
std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const ChannelSecurity& security);
void AddSecurityArguments(const ChannelSecurity& security,
                          grpc::ChannelArguments* args);

// An UNAVAILABLE `status` with the TLS setup it was tried with, and what
// gRPC's reason most likely means: "... certificate verify failed
// (HOST:PORT over TLS with CA file X: the daemon's certificate is not signed
// by that CA, or has expired ...)". Over plaintext, only a dropped
// connection gains a hint (a TLS daemon does that). Other codes pass
// unchanged.
absl::Status WithTlsContext(absl::Status status, const std::string& target,
                            const ChannelSecurity& security);

}  // namespace progress::internal

#endif  // PROGRESS_CLIENT_INTERNAL_CHANNEL_SECURITY_H_
