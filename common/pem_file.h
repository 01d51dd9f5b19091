#ifndef PROGRESS_COMMON_PEM_FILE_H_
#define PROGRESS_COMMON_PEM_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace progress {

// The whole content of the PEM file at `path` (a certificate, a chain of
// them, or a private key). Read at once, when the program starts or a
// client is made, so a missing file is reported there, naming it, rather
// than as an obscure handshake failure later. INVALID_ARGUMENT naming the
// file when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

}  // namespace progress

#endif  // PROGRESS_COMMON_PEM_FILE_H_
