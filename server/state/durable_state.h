#ifndef PROGRESS_SERVER_STATE_DURABLE_STATE_H_
#define PROGRESS_SERVER_STATE_DURABLE_STATE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "registry/job_registry.h"
#include "state/snapshotter.h"
#include "state/state_file.h"

namespace progress {

// The state file as the daemon holds it: locked against a second daemon,
// loaded into the registry at start, and written by a Snapshotter after.
class DurableState {
 public:
  // Locks `path`, restores the empty `registry` from it (no file at all is
  // a first start: the registry stays empty), and writes a first snapshot
  // to prove the file can be written. Nothing is ever silently reset: a
  // file that cannot be read, is damaged, or is of another format version
  // is an error naming the file and what is wrong with it.
  static absl::StatusOr<std::unique_ptr<DurableState>> Open(
      const std::string& path, absl::Duration interval, JobRegistry* registry);

  Snapshotter& snapshotter() { return snapshotter_; }

 private:
  DurableState(StateFileLock lock, SnapshotterOptions options,
               const JobRegistry* registry)
      : lock_(std::move(lock)), snapshotter_(std::move(options), registry) {}

  StateFileLock lock_;
  Snapshotter snapshotter_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_STATE_DURABLE_STATE_H_
