#ifndef PROGRESS_BENCH_FLOOD_RUN_H_
#define PROGRESS_BENCH_FLOOD_RUN_H_

// What the streams of one flood share: when to stop, the record budget, and
// the tallies that become its FloodResult.
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/synchronization/mutex.h"
#include "flood.h"

namespace progress::bench {

class FloodRun {
 public:
  explicit FloodRun(uint64_t records)
      : budget_(records == 0 ? std::numeric_limits<int64_t>::max()
                             : static_cast<int64_t>(records)) {}

  // Whether one more message may be sent; takes it from the budget.
  bool TakeMessage() {
    if (stop_.load(std::memory_order_relaxed)) return false;
    return budget_.fetch_sub(1, std::memory_order_relaxed) > 0;
  }
  void Stop() { stop_.store(true); }
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }

  void CountMessage() { messages_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t messages() const { return messages_.load(); }
  void CountOpen() { open_.fetch_add(1, std::memory_order_relaxed); }
  int open() const { return open_.load(); }

  void EndStream(bool ok, const std::string& error) {
    if (!ok) {
      absl::MutexLock lock(&mutex_);
      ++failed_;
      if (first_error_.empty()) first_error_ = error;
    }
    ended_.fetch_add(1);
  }
  int ended() const { return ended_.load(); }

  FloodResult Result(double seconds) {
    absl::MutexLock lock(&mutex_);
    FloodResult result;
    result.messages = messages_.load();
    result.seconds = seconds;
    result.failed_streams = failed_;
    result.first_error = first_error_;
    return result;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> budget_;
  std::atomic<uint64_t> messages_{0};
  std::atomic<int> open_{0};
  std::atomic<int> ended_{0};
  absl::Mutex mutex_;
  int failed_ = 0;
  std::string first_error_;
};

// Waits until every stream is open (or the run stops), calls
// `options.while_open`, then waits out the duration or the budget and stops
// the run. Returns, once the streams have been told to stop, how many were
// open when while_open was called.
int SuperviseFlood(const FloodOptions& options, FloodRun& run, int streams);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_FLOOD_RUN_H_
