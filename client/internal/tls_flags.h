#ifndef PROGRESS_CLIENT_INTERNAL_TLS_FLAGS_H_
#define PROGRESS_CLIENT_INTERNAL_TLS_FLAGS_H_

// The TLS flags every command-line client of progressd takes (the reporter,
// the benchmarks): --tls, --tls_ca, --tls_cert, --tls_key and
// --tls_server_name, each falling back to its PROGRESS_TRACKER_TLS*
// variable as the client library's options do. Defined once here so they
// read and mean the same everywhere. Never linked into the library.
#include "absl/status/statusor.h"
#include "channel_security.h"

namespace progress::internal {

// The flags, completed from the environment, with their files read;
// INVALID_ARGUMENT naming a bad variable or a file that cannot be read.
absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags();

// Whether a flag defined in `path` is one of these, for --help filters.
bool IsTlsFlagFile(absl::string_view path);

}  // namespace progress::internal

#endif  // PROGRESS_CLIENT_INTERNAL_TLS_FLAGS_H_
