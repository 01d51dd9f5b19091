#ifndef PROGRESS_SERVER_STOP_SIGNALS_H_
#define PROGRESS_SERVER_STOP_SIGNALS_H_

#include <signal.h>

#include "absl/time/time.h"

namespace progress {

// SIGTERM and SIGINT, taken synchronously by the main thread. Make one
// before any thread exists: it blocks them in the calling thread, so every
// thread started later (gRPC's, civetweb's) inherits the mask and none runs
// a handler. Blocking is also what stops progressd as PID 1 in a container:
// the kernel drops a signal sent to a PID namespace's init when its action
// is the default, but never a blocked one (deploy/container-test sends
// SIGTERM both from outside and from inside).
// What progressd's read server (--read_listen) stops on: sent by the daemon
// that started it, at its shutdown or death (PR_SET_PDEATHSIG), and by
// nothing else; a SIGTERM or SIGINT sent to the whole process group (Ctrl-C,
// systemd) is the daemon's to act on, and the read server serves on through
// --shutdown_delay.
inline constexpr int kReadServerStopSignal = SIGUSR1;

class StopSignals {
 public:
  StopSignals();

  // Waits for one; returns its number.
  int Wait() const;

  // Waits up to `timeout` for another; true if one came.
  bool WaitFor(absl::Duration timeout) const;

  // Waits for kReadServerStopSignal.
  void WaitForReadServerStop() const;

 private:
  sigset_t set_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_STOP_SIGNALS_H_
