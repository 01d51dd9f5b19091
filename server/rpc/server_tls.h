#ifndef PROGRESS_SERVER_RPC_SERVER_TLS_H_
#define PROGRESS_SERVER_RPC_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace progress {

// The daemon's TLS material, as PEM text already read from its files.
struct ServerTlsPem {
  std::string cert_chain;   // The server's certificate (chain).
  std::string private_key;  // Its key.
  // CA certificates; when set, every client must present a certificate
  // signed by one of them (mTLS), and is refused otherwise.
  std::string client_ca;
};

// The daemon's TLS files, as its flags name them.
struct ServerTlsFiles {
  std::string cert_file;       // --tls_cert; empty: plaintext.
  std::string key_file;        // --tls_key
  std::string client_ca_file;  // --tls_client_ca; set: mTLS.
};

// Reads `files` whole, so a bad one stops the start naming its flag and
// path. INVALID_ARGUMENT, naming the flags, for a certificate without a key
// (or the reverse), a client CA without both, or a file that cannot be
// read. An empty cert_chain in the result means plaintext.
absl::StatusOr<ServerTlsPem> ReadServerTls(const ServerTlsFiles& files);

// gRPC server credentials for `pem`: TLS, and mTLS when client_ca is set.
std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(
    const ServerTlsPem& pem);

// Whether a listen address (host:port, [v6]:port or unix:path) is reachable
// only from this host: 127.0.0.0/8, ::1, localhost or a Unix socket.
// Everything else, 0.0.0.0 and [::] above all, may be reached from others.
bool IsLoopbackAddress(absl::string_view listen_address);

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_SERVER_TLS_H_
