#ifndef PROGRESS_SERVER_REPLICA_READ_SERVER_PROCESS_H_
#define PROGRESS_SERVER_REPLICA_READ_SERVER_PROCESS_H_

// The daemon's handle on its read server: progressd itself, started again
// with the snapshot region as fd 3 and --read_server_fd=3, so it takes
// every other flag (TLS, limits, log level) from the same command line.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "replica/snapshot_region.h"

namespace progress {

class ReadServerProcess {
 public:
  // Starts it with `args` (the daemon's own, without argv[0]) and
  // --read_listen=`listen`. posix_spawn: safe with threads running.
  static absl::StatusOr<std::unique_ptr<ReadServerProcess>> Spawn(
      const std::vector<std::string>& args, const std::string& listen,
      const SnapshotRegion& region);

  // Stops it: kReadServerStopSignal, then SIGKILL after two seconds.
  ~ReadServerProcess();

  ReadServerProcess(const ReadServerProcess&) = delete;
  ReadServerProcess& operator=(const ReadServerProcess&) = delete;

  // Whether it still runs; if not, reaps it and says how it ended.
  bool Running(std::string* how_it_ended);

  pid_t pid() const { return pid_; }

 private:
  explicit ReadServerProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_;
  bool reaped_ = false;
};

// Waits until the read server behind `region` reports its port, or fails if
// `process` ends first or `timeout` passes.
absl::StatusOr<int> WaitForReadServerPort(const SnapshotRegion& region,
                                          ReadServerProcess& process,
                                          absl::Duration timeout);

}  // namespace progress

#endif  // PROGRESS_SERVER_REPLICA_READ_SERVER_PROCESS_H_
