#ifndef PROGRESS_SERVER_REGISTRY_RATE_HISTORY_H_
#define PROGRESS_SERVER_REGISTRY_RATE_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace progress {

// A job's records per second over the last few minutes, one point per step,
// for the web page's chart. Bounded: at most `points` floats per job, so
// 10,000 jobs cost a few MB whatever their age.
struct RateSeries {
  absl::Duration step;
  // When the newest point ends; the Unix epoch before the first point.
  absl::Time end_time = absl::UnixEpoch();
  // Records per second in each step, oldest first.
  std::vector<float> per_second;
};

// Thread-safe. Fed by the registry's sampler (RecordTotal about once a
// second); read by any thread.
class RateHistory {
 public:
  // The page's default: a point every 2 s for 5 minutes.
  static constexpr absl::Duration kDefaultStep = absl::Seconds(2);
  static constexpr size_t kDefaultPoints = 150;

  RateHistory(absl::Duration step = kDefaultStep,
              size_t points = kDefaultPoints)
      : step_(step), capacity_(points) {}

  // Forgets every point and measures from (`now`, `total`) on.
  void Reset(absl::Time now, uint64_t total);

  // Notes that the job's total was `total` at `now`. Once a step or more
  // has passed since the last point, adds the rate since then as one point
  // per whole step passed (a sampler that stalled leaves no hole in time),
  // dropping the oldest points beyond the bound.
  void RecordTotal(absl::Time now, uint64_t total);

  RateSeries Series() const;

 private:
  void PushLocked(float per_second) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration step_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_time_ ABSL_GUARDED_BY(mu_);
  uint64_t last_total_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_points_ ABSL_GUARDED_BY(mu_) = false;
  // A ring once full: `head_` is the oldest point.
  std::vector<float> ring_ ABSL_GUARDED_BY(mu_);
  size_t head_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REGISTRY_RATE_HISTORY_H_
