#include "stop_signals.h"

#include <pthread.h>

#include <ctime>

namespace progress {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  sigset_t blocked = set_;
  // The read server's stop signal (read_server_main.cc), blocked in every
  // thread of every progressd so that it is only ever taken by sigwait.
  sigaddset(&blocked, kReadServerStopSignal);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
}

void StopSignals::WaitForReadServerStop() const {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, kReadServerStopSignal);
  int signal_number = 0;
  sigwait(&set, &signal_number);
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
