#include "registry/rate_window.h"

namespace progress {

void RateWindow::Record(absl::Time now, uint64_t total) {
  absl::MutexLock lock(&mu_);
  samples_.push_back({now, total});
  // Keep one sample at or before the window's start so the rate always spans
  // the whole window once the job is older than it.
  const absl::Time window_start = now - window_;
  while (samples_.size() >= 2 && samples_[1].time <= window_start) {
    samples_.pop_front();
  }
}

double RateWindow::RateAt(absl::Time now, uint64_t total) const {
  absl::MutexLock lock(&mu_);
  if (samples_.empty()) return 0.0;
  const Sample& base = samples_.front();
  const double seconds = absl::ToDoubleSeconds(now - base.time);
  if (seconds <= 0.0 || total < base.total) return 0.0;
  return static_cast<double>(total - base.total) / seconds;
}

void RateWindow::Reset(absl::Time now, uint64_t total) {
  absl::MutexLock lock(&mu_);
  samples_.clear();
  samples_.push_back({now, total});
}

}  // namespace progress
