#include "rpc/server_tls.h"

#include <arpa/inet.h>
#include <grpcpp/security/server_credentials.h>
#include <netinet/in.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "pem_file.h"

namespace progress {

absl::StatusOr<ServerTlsPem> ReadServerTls(const ServerTlsFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        files.cert_file.empty()
            ? "--tls_key needs --tls_cert: give both or neither"
            : "--tls_cert needs --tls_key: give both or neither");
  }
  if (!files.client_ca_file.empty() && files.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca needs --tls_cert and --tls_key: client "
        "certificates are checked only over TLS");
  }
  ServerTlsPem pem;
  const struct {
    const char* flag;
    const std::string& path;
    std::string* into;
  } reads[] = {{"--tls_cert", files.cert_file, &pem.cert_chain},
               {"--tls_key", files.key_file, &pem.private_key},
               {"--tls_client_ca", files.client_ca_file, &pem.client_ca}};
  for (const auto& read : reads) {
    if (read.path.empty()) continue;
    absl::StatusOr<std::string> content = ReadPemFile(read.path);
    if (!content.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(read.flag, ": ", content.status().message()));
    }
    *read.into = *std::move(content);
  }
  return pem;
}

std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(
    const ServerTlsPem& pem) {
  // With a client CA, a client without a certificate, or with one that CA
  // did not sign, fails the handshake: no call of it ever reaches a handler.
  grpc::SslServerCredentialsOptions options(
      pem.client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_key_cert_pairs.push_back({pem.private_key, pem.cert_chain});
  options.pem_root_certs = pem.client_ca;
  return grpc::SslServerCredentials(options);
}

bool IsLoopbackAddress(absl::string_view listen_address) {
  if (absl::StartsWith(listen_address, "unix:") ||
      absl::StartsWith(listen_address, "unix-abstract:")) {
    return true;
  }
  absl::string_view host = listen_address;
  if (absl::ConsumePrefix(&host, "[")) {
    host = host.substr(0, host.find(']'));
  } else if (const size_t colon = host.rfind(':');
             colon != absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return text == "localhost";
}

}  // namespace progress
