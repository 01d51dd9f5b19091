#include "rpc/server_stats.h"

namespace progress {

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kIncrement:
      return "Increment";
    case Rpc::kGetCounts:
      return "GetCounts";
    case Rpc::kListJobs:
      return "ListJobs";
    case Rpc::kStartJob:
      return "StartJob";
    case Rpc::kFinishJob:
      return "FinishJob";
  }
  return "unknown";
}

uint64_t ServerStats::increment_messages() const {
  uint64_t total = 0;
  for (const WriteQueueStats& queue : write_queues_) {
    total += queue.increment_messages.load(std::memory_order_relaxed);
  }
  return total;
}

int64_t ServerStats::active_streams() const {
  int64_t total = 0;
  for (const WriteQueueStats& queue : write_queues_) {
    total += queue.active_streams.load(std::memory_order_relaxed);
  }
  return total;
}

}  // namespace progress
