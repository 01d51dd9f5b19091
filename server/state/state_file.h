#ifndef PROGRESS_SERVER_STATE_STATE_FILE_H_
#define PROGRESS_SERVER_STATE_STATE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace progress {

// The bytes of the file at `path`. NOT_FOUND when there is none (a first
// start); PERMISSION_DENIED or another error, naming the path and the
// system's reason, when it cannot be read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Replaces the file at `path` with `bytes` so that a crash at any instant
// leaves either the old file or the new one whole: writes `path`.tmp,
// fsyncs it, renames it over `path`, and fsyncs the directory so the rename
// itself survives. Errors name the step and the system's reason.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);

// Holds an exclusive lock on `path`.lock for as long as it lives, so two
// daemons never write one state file.
class StateFileLock {
 public:
  // UNAVAILABLE when another process holds it.
  static absl::StatusOr<StateFileLock> Acquire(const std::string& path);
  StateFileLock(StateFileLock&& other) noexcept;
  StateFileLock& operator=(StateFileLock&&) = delete;
  ~StateFileLock();

 private:
  explicit StateFileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_STATE_STATE_FILE_H_
