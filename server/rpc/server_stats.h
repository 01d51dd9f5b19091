#ifndef PROGRESS_SERVER_RPC_SERVER_STATS_H_
#define PROGRESS_SERVER_RPC_SERVER_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>

#include "absl/status/status.h"

namespace progress {

// The RPCs, for counting rejections per RPC.
enum class Rpc { kIncrement, kGetCounts, kListJobs, kStartJob, kFinishJob };
inline constexpr int kRpcCount = 5;
const char* RpcName(Rpc rpc);

// What one write queue's thread has done. Each thread has its own, on its
// own cache line, so counting costs an uncontended add.
struct alignas(64) WriteQueueStats {
  std::atomic<uint64_t> increment_messages{0};
  std::atomic<int64_t> active_streams{0};
};

// Daemon health counters, read at scrape time. Updated once per message on
// the owning write thread, and once per call or stream otherwise.
class ServerStats {
 public:
  // A new per-queue block; called once per write queue before serving.
  WriteQueueStats* AddWriteQueue() { return &write_queues_.emplace_back(); }

  void CountRejected(Rpc rpc, absl::StatusCode code) {
    const int index = static_cast<int>(code);
    if (index < 0 || index >= kCodeCount) return;
    rejected_[static_cast<int>(rpc)][index].fetch_add(
        1, std::memory_order_relaxed);
  }

  uint64_t rejected(Rpc rpc, absl::StatusCode code) const {
    return rejected_[static_cast<int>(rpc)][static_cast<int>(code)].load(
        std::memory_order_relaxed);
  }

  uint64_t increment_messages() const;
  int64_t active_streams() const;

  // Canonical codes 0..16.
  static constexpr int kCodeCount = 17;

 private:
  // A deque keeps each block where it was made while more are added.
  std::deque<WriteQueueStats> write_queues_;
  std::array<std::array<std::atomic<uint64_t>, kCodeCount>, kRpcCount>
      rejected_{};
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_SERVER_STATS_H_
