#ifndef PROGRESS_CLIENT_SRC_FORK_SAFE_CLOCK_H_
#define PROGRESS_CLIENT_SRC_FORK_SAFE_CLOCK_H_

#include <time.h>

#include "absl/time/time.h"

namespace progress::client {

// The library's clock; never absl::Now(). Abseil's clock re-calibrates now
// and then under a process-wide spin lock, so a fork() while another thread
// is in there (the host calling Flush, say) leaves the lock held for good in
// the child, whose next absl::Now() -- ours, or gRPC's -- then sleeps
// forever: the forked children that never confirmed their flush. The
// kernel's clock (vDSO, no lock) costs about the same.
inline absl::Time Now() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return absl::TimeFromTimespec(now);
}

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_FORK_SAFE_CLOCK_H_
