#include "stop_signals.h"

#include <pthread.h>

#include <ctime>

namespace progress {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int StopSignals::Wait() const {
  int signal_number = 0;
  sigwait(&set_, &signal_number);
  return signal_number;
}

bool StopSignals::WaitFor(absl::Duration timeout) const {
  const timespec limit = absl::ToTimespec(timeout);
  return sigtimedwait(&set_, nullptr, &limit) > 0;
}

}  // namespace progress
