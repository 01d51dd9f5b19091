#include "http/private_pem.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pem_file.h"

namespace progress {
namespace {

absl::Status WriteAll(int fd, const std::string& content) {
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n =
        write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivatePem>> PrivatePem::Join(
    const std::vector<std::string>& files) {
  std::string content;
  for (const std::string& file : files) {
    absl::StatusOr<std::string> pem = ReadPemFile(file);
    if (!pem.ok()) return pem.status();
    absl::StrAppend(&content, *pem, "\n");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string directory = absl::StrCat(
      tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/progressd-XXXXXX");
  // mkdtemp makes the directory 0700: no other user can even look in.
  if (mkdtemp(directory.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot make a private directory in ", directory, ": ",
                     std::strerror(errno)));
  }
  std::string path = directory + "/key-and-cert.pem";
  std::unique_ptr<PrivatePem> joined(
      new PrivatePem(std::move(directory), std::move(path)));
  const int fd = open(joined->path_.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot write ", joined->path_,
                                            ": ", std::strerror(errno)));
  }
  absl::Status written = WriteAll(fd, content);
  close(fd);
  if (!written.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot write ", joined->path_, ": ", written.message()));
  }
  return joined;
}

PrivatePem::~PrivatePem() {
  unlink(path_.c_str());
  rmdir(directory_.c_str());
}

}  // namespace progress
