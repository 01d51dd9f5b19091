#include "second_signal.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "exit_codes.h"

namespace progress {
namespace {

// How often the watcher looks whether it may stop watching.
constexpr absl::Duration kPoll = absl::Milliseconds(100);

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
      if (absl::Status last = snapshotter_->SnapshotNow(); !last.ok()) {
        spdlog::critical("the last snapshot failed: {}",
                         std::string(last.message()));
        code = kExitSnapshotFailed;
      }
    }
    spdlog::default_logger()->flush();
    // Open calls and threads are abandoned on purpose: waiting for them is
    // what the signal asked not to do.
    std::_Exit(code);
  }
}

}  // namespace progress
