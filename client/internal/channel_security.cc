#include "channel_security.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "pem_file.h"

namespace progress::internal {
namespace {

// The names users set; deploy/ manifests and the README use exactly these.
constexpr char kTlsEnv[] = "PROGRESS_TRACKER_TLS";
constexpr char kCaEnv[] = "PROGRESS_TRACKER_TLS_CA";
constexpr char kCertEnv[] = "PROGRESS_TRACKER_TLS_CERT";
constexpr char kKeyEnv[] = "PROGRESS_TRACKER_TLS_KEY";
constexpr char kServerNameEnv[] = "PROGRESS_TRACKER_TLS_SERVER_NAME";

void FillFromEnv(const char* name, std::string* field) {
  if (!field->empty()) return;
  const char* value = std::getenv(name);
  if (value != nullptr) *field = value;
}

// The file at `path` for `what`, with both named if it cannot be read.
absl::Status Read(const std::string& path, const char* what,
                  std::string* into) {
  absl::StatusOr<std::string> content = ReadPemFile(path);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS ", what, ": ", content.status().message()));
  }
  *into = *std::move(content);
  return absl::OkStatus();
}

std::string Describe(const TlsSettings& settings) {
  std::vector<std::string> parts;
  parts.push_back(settings.ca_file.empty()
                      ? "gRPC's default root certificates"
                      : absl::StrCat("CA file ", settings.ca_file));
  if (!settings.cert_file.empty()) {
    parts.push_back(absl::StrCat("client certificate ", settings.cert_file));
  }
  if (!settings.server_name.empty()) {
    parts.push_back(absl::StrCat("server name ", settings.server_name));
  }
  return absl::StrCat("TLS with ", absl::StrJoin(parts, ", "));
}

// What gRPC's handshake errors (with OpenSSL 3, as Debian builds gRPC 1.51)
// most likely mean, in the user's terms; empty when there is nothing to add.
std::string TlsHint(absl::string_view message,
                    const ChannelSecurity& security) {
  if (absl::StrContains(message, "certificate verify failed")) {
    // OpenSSL's reason (expired, unknown issuer) is not passed on by gRPC.
    return absl::StrCat(
        ": the daemon's certificate is not signed by ",
        security.root_certs.empty() ? "a default root CA" : "that CA",
        ", or has expired or is not yet valid");
  }
  if (absl::StrContains(message, "is not in peer certificate")) {
    return ": the daemon's certificate is for other names; set the name it "
           "carries as tls_server_name (PROGRESS_TRACKER_TLS_SERVER_NAME)";
  }
  if (absl::StrContains(message, "wrong version number")) {
    return ": the daemon does not speak TLS (started without --tls_cert?)";
  }
  if (absl::StrContains(message, "Socket closed")) {
    return security.cert_chain.empty()
               ? ": the daemon closed the connection, as one that requires "
                 "client certificates (--tls_client_ca) does without one"
               : ": the daemon closed the connection, as one that requires "
                 "client certificates does when its CA did not sign ours";
  }
  return "";
}

}  // namespace

absl::StatusOr<TlsSettings> WithEnvironment(TlsSettings given) {
  if (!given.tls) {
    const char* value = std::getenv(kTlsEnv);
    const std::string text =
        absl::AsciiStrToLower(value != nullptr ? value : "");
    if (text == "1" || text == "true" || text == "yes") {
      given.tls = true;
    } else if (text == "0" || text == "false" || text == "no") {
      // An explicit "plaintext" wins over TLS files that come from the
      // environment too (a cluster-wide CA variable, say); files given as
      // options or flags still turn TLS on.
      return given;
    } else if (!text.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kTlsEnv, " must be 1, true or yes (TLS) or 0, false or ",
                       "no (plaintext), not '", value, "'"));
    }
  }
  FillFromEnv(kCaEnv, &given.ca_file);
  FillFromEnv(kCertEnv, &given.cert_file);
  FillFromEnv(kKeyEnv, &given.key_file);
  FillFromEnv(kServerNameEnv, &given.server_name);
  return given;
}

absl::StatusOr<ChannelSecurity> LoadChannelSecurity(
    const TlsSettings& settings) {
  ChannelSecurity security;
  if (settings.cert_file.empty() != settings.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a TLS client ",
                     settings.cert_file.empty()
                         ? absl::StrCat("key (", settings.key_file,
                                        ") needs its certificate")
                         : absl::StrCat("certificate (", settings.cert_file,
                                        ") needs its key"),
                     ": give both or neither"));
  }
  security.tls =
      settings.tls || !settings.ca_file.empty() || !settings.cert_file.empty();
  if (!security.tls) return security;
  if (!settings.ca_file.empty()) {
    if (absl::Status read =
            Read(settings.ca_file, "CA file", &security.root_certs);
        !read.ok()) {
      return read;
    }
  }
  if (!settings.cert_file.empty()) {
    if (absl::Status read = Read(settings.cert_file, "client certificate",
                                 &security.cert_chain);
        !read.ok()) {
      return read;
    }
    if (absl::Status read =
            Read(settings.key_file, "client key", &security.private_key);
        !read.ok()) {
      return read;
    }
  }
  security.server_name = settings.server_name;
  security.description = Describe(settings);
  return security;
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const ChannelSecurity& security) {
  if (!security.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security.root_certs;
  options.pem_cert_chain = security.cert_chain;
  options.pem_private_key = security.private_key;
  return grpc::SslCredentials(options);
}

void AddSecurityArguments(const ChannelSecurity& security,
                          grpc::ChannelArguments* args) {
  if (security.tls && !security.server_name.empty()) {
    args->SetSslTargetNameOverride(security.server_name);
  }
}

absl::Status WithTlsContext(absl::Status status, const std::string& target,
                            const ChannelSecurity& security) {
  if (!absl::IsUnavailable(status)) return status;
  const absl::string_view message = status.message();
  // A TLS daemon drops a plaintext client without a word.
  if (!security.tls) {
    if (!absl::StrContains(message, "Socket closed")) return status;
    return absl::UnavailableError(absl::StrCat(
        message, " (", target,
        " over plaintext: a daemon that requires TLS "
        "closes plaintext connections like this; see PROGRESS_TRACKER_TLS)"));
  }
  return absl::UnavailableError(absl::StrCat(message, " (", target, " over ",
                                             security.description,
                                             TlsHint(message, security), ")"));
}

}  // namespace progress::internal
