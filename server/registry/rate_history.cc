#include "registry/rate_history.h"

#include <algorithm>

namespace progress {

void RateHistory::Reset(absl::Time now, uint64_t total) {
  absl::MutexLock lock(&mu_);
  started_ = true;
  last_time_ = now;
  last_total_ = total;
  has_points_ = false;
  ring_.clear();
  ring_.shrink_to_fit();
  head_ = 0;
}

void RateHistory::RecordTotal(absl::Time now, uint64_t total) {
  absl::MutexLock lock(&mu_);
  if (!started_) {
    started_ = true;
    last_time_ = now;
    last_total_ = total;
    return;
  }
  // The sampler ticks about once a second, a little late or early: a step
  // is taken as done from three quarters of it on, so 2 s steps from 1 s
  // ticks do not slip to 3 s now and then.
  const absl::Duration elapsed = now - last_time_;
  if (elapsed < absl::ZeroDuration()) {
    // The clock stepped back: measure from here, or the chart would stand
    // still until the clock caught up.
    last_time_ = now;
    last_total_ = total;
    return;
  }
  if (elapsed < step_ - step_ / 4) return;
  // A total that went down (a restore) starts a flat line rather than a
  // huge negative spike.
  const double added =
      total >= last_total_ ? static_cast<double>(total - last_total_) : 0.0;
  const float per_second =
      static_cast<float>(added / absl::ToDoubleSeconds(elapsed));
  // A long stall (or a clock jump) fills at most the whole history.
  absl::Duration remainder;
  const int64_t steps = std::clamp<int64_t>(
      absl::IDivDuration(elapsed + step_ / 2, step_, &remainder), 1,
      static_cast<int64_t>(std::max<size_t>(capacity_, 1)));
  for (int64_t i = 0; i < steps; ++i) PushLocked(per_second);
  last_time_ = now;
  last_total_ = total;
  has_points_ = true;
}

void RateHistory::PushLocked(float per_second) {
  if (capacity_ == 0) return;
  if (ring_.size() < capacity_) {
    // Exactly the bound, not the next power of two.
    if (ring_.empty()) ring_.reserve(capacity_);
    ring_.push_back(per_second);
    return;
  }
  ring_[head_] = per_second;
  head_ = (head_ + 1) % capacity_;
}

RateSeries RateHistory::Series() const {
  RateSeries series;
  series.step = step_;
  absl::MutexLock lock(&mu_);
  if (!has_points_) return series;
  series.end_time = last_time_;
  series.per_second.reserve(ring_.size());
  for (size_t i = 0; i < ring_.size(); ++i) {
    series.per_second.push_back(ring_[(head_ + i) % ring_.size()]);
  }
  return series;
}

}  // namespace progress
