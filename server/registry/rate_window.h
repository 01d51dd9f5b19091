#ifndef PROGRESS_SERVER_REGISTRY_RATE_WINDOW_H_
#define PROGRESS_SERVER_REGISTRY_RATE_WINDOW_H_

#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace progress {

// Recent throughput of one job: a short history of (time, total) samples taken
// off the write path, from which a reader derives records per second over the
// last `window`.
//
// Thread-safe. Samples come from one sampler thread; rates are read by any.
class RateWindow {
 public:
  explicit RateWindow(absl::Duration window) : window_(window) {}

  // Records that the job's total was `total` at `now`. Samples older than the
  // window are dropped, except the newest of them, which stays as the baseline
  // the window is measured from.
  void Record(absl::Time now, uint64_t total);

  // Forgets every sample and starts over from (`now`, `total`).
  void Reset(absl::Time now, uint64_t total);

  // Records per second between the oldest sample inside the window (or the
  // baseline just before it) and (`now`, `total`); 0 without an earlier sample.
  double RateAt(absl::Time now, uint64_t total) const;

 private:
  struct Sample {
    absl::Time time;
    uint64_t total;
  };

  const absl::Duration window_;
  mutable absl::Mutex mu_;
  std::deque<Sample> samples_ ABSL_GUARDED_BY(mu_);
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REGISTRY_RATE_WINDOW_H_
