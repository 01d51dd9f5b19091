#ifndef PROGRESS_SERVER_DAEMON_LOGGING_H_
#define PROGRESS_SERVER_DAEMON_LOGGING_H_

#include "absl/time/time.h"

namespace progress {

// Makes spdlog's default logger asynchronous for the life of this object: a
// call's thread only queues its line, and one logging thread writes it out.
// The queue is bounded and drops its oldest line when full rather than
// block, so a slow or stuck stderr can never stall a completion-queue
// thread. Protobuf's own messages go through it too, rate limited. The
// destructor writes out what is queued.
//
// Make one in main(), after signals are blocked (the logging thread inherits
// the mask) and before any other thread logs.
class AsyncDaemonLog {
 public:
  AsyncDaemonLog();
  ~AsyncDaemonLog();

  AsyncDaemonLog(const AsyncDaemonLog&) = delete;
  AsyncDaemonLog& operator=(const AsyncDaemonLog&) = delete;
};

// Writes out the lines queued so far, waiting at most `max_wait`: for a
// process about to _Exit, which runs no destructor.
void FlushDaemonLog(absl::Duration max_wait);

}  // namespace progress

#endif  // PROGRESS_SERVER_DAEMON_LOGGING_H_
