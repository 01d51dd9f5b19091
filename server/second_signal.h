#ifndef PROGRESS_SERVER_SECOND_SIGNAL_H_
#define PROGRESS_SERVER_SECOND_SIGNAL_H_

#include <atomic>
#include <thread>

#include "state/snapshotter.h"
#include "stop_signals.h"

namespace progress {

// While it lives, one more SIGTERM or SIGINT ends the process at once, after
// a last snapshot when there is a state file: for whoever will not wait out
// the shutdown's grace. Exits 0, or kExitSnapshotFailed if that snapshot
// failed.
class SecondSignal {
 public:
  // `snapshotter` may be null (no state file).
  SecondSignal(const StopSignals& signals, Snapshotter* snapshotter);
  ~SecondSignal();  // Stops watching.

  SecondSignal(const SecondSignal&) = delete;
  SecondSignal& operator=(const SecondSignal&) = delete;

 private:
  void Watch();

  const StopSignals& signals_;
  Snapshotter* const snapshotter_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_SECOND_SIGNAL_H_
