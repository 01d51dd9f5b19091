#ifndef PROGRESS_SERVER_HTTP_PRIVATE_PEM_H_
#define PROGRESS_SERVER_HTTP_PRIVATE_PEM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace progress {

// A temporary PEM file made of others joined (a key and its certificate, for
// a library that wants them in one file), readable by this user only: mode
// 0600 in a fresh 0700 directory under $TMPDIR (else /tmp). Both are removed
// when the object goes.
class PrivatePem {
 public:
  // INVALID_ARGUMENT naming a file that cannot be read; INTERNAL if the
  // temporary file cannot be written.
  static absl::StatusOr<std::unique_ptr<PrivatePem>> Join(
      const std::vector<std::string>& files);
  ~PrivatePem();

  PrivatePem(const PrivatePem&) = delete;
  PrivatePem& operator=(const PrivatePem&) = delete;

  const std::string& path() const { return path_; }

 private:
  PrivatePem(std::string directory, std::string path)
      : directory_(std::move(directory)), path_(std::move(path)) {}

  const std::string directory_;
  const std::string path_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_PRIVATE_PEM_H_
