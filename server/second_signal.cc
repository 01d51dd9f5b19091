#include "second_signal.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "daemon_logging.h"
#include "exit_codes.h"

namespace progress {
namespace {

// How often the watcher looks whether it may stop watching.
constexpr absl::Duration kPoll = absl::Milliseconds(100);
// How long the last snapshot may take. A write stuck in the kernel (a dead
// disk, a hung network mount) must not hold up what the signal asked for.
constexpr absl::Duration kLastSnapshotWait = absl::Seconds(5);

// Snapshotter::SnapshotNow, given up after kLastSnapshotWait; it runs on a
// thread of its own, left behind when it takes longer.
absl::Status LastSnapshot(Snapshotter* snapshotter) {
  struct Outcome {
    absl::Notification done;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  std::thread([snapshotter, outcome] {
    outcome->status = snapshotter->SnapshotNow();
    outcome->done.Notify();
  }).detach();
  if (!outcome->done.WaitForNotificationWithTimeout(kLastSnapshotWait)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "it did not finish within ", absl::FormatDuration(kLastSnapshotWait),
        " (a write to the state file is stuck)"));
  }
  return outcome->status;
}

}  // namespace

SecondSignal::SecondSignal(const StopSignals& signals, Snapshotter* snapshotter)
    : signals_(signals),
      snapshotter_(snapshotter),
      thread_(&SecondSignal::Watch, this) {}

SecondSignal::~SecondSignal() {
  done_.store(true, std::memory_order_relaxed);
  thread_.join();
}

void SecondSignal::Watch() {
  while (!done_.load(std::memory_order_relaxed)) {
    if (!signals_.WaitFor(kPoll)) continue;
    int code = 0;
    if (snapshotter_ == nullptr) {
      spdlog::warn("progressd received another signal; stopping at once");
    } else {
      spdlog::warn(
          "progressd received another signal; stopping at once, after a "
          "last snapshot");
      if (absl::Status last = LastSnapshot(snapshotter_); !last.ok()) {
        spdlog::critical("the last snapshot failed: {}",
                         std::string(last.message()));
        code = kExitSnapshotFailed;
      }
    }
    FlushDaemonLog(absl::Seconds(1));
    // Open calls and threads are abandoned on purpose: waiting for them is
    // what the signal asked not to do.
    std::_Exit(code);
  }
}

}  // namespace progress
