#ifndef PROGRESS_SERVER_READ_FLAGS_H_
#define PROGRESS_SERVER_READ_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace progress {

// Where and how reads are served apart from writes (read_replica.h).
struct ReadServingConfig {
  // Empty: reads are served on --listen only.
  std::string listen;
  std::string port_file;
  absl::Duration publish_interval = absl::Milliseconds(2);
  // How much lower than normal the daemon's own threads run (0-19).
  int write_nice = 0;
  // Set only in the read server process progressd starts: the snapshot
  // region's fd there. -1 in the daemon.
  int server_fd = -1;
};

// The read-serving flags, checked. INVALID_ARGUMENT naming the flag when one
// is out of range.
absl::StatusOr<ReadServingConfig> ReadServingFromFlags();

}  // namespace progress

#endif  // PROGRESS_SERVER_READ_FLAGS_H_
