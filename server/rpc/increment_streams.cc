#include "rpc/increment_streams.h"

namespace progress {

bool IncrementStreams::Add(StreamActivity* stream, absl::Time now) {
  stream->Touch(now);
  absl::MutexLock lock(&mu_);
  if (open_.size() >= static_cast<size_t>(limits_.max_streams)) return false;
  open_.insert(stream);
  return true;
}

void IncrementStreams::Remove(StreamActivity* stream) {
  absl::MutexLock lock(&mu_);
  open_.erase(stream);
}

int IncrementStreams::CancelIdle(absl::Time now) {
  const absl::Duration timeout = limits_.stream_idle_timeout;
  if (timeout == absl::InfiniteDuration()) return 0;
  const int64_t cutoff_ns = absl::ToUnixNanos(now - timeout);
  int cancelled = 0;
  // Under the lock, so no stream can be removed (and its call deleted) while
  // it is being cancelled; TryCancel only flags the call and returns.
  absl::MutexLock lock(&mu_);
  for (StreamActivity* stream : open_) {
    if (stream->last_ns_.load(std::memory_order_relaxed) > cutoff_ns ||
        stream->cancelled_idle_.load(std::memory_order_relaxed)) {
      continue;
    }
    stream->cancelled_idle_.store(true, std::memory_order_release);
    stream->cancel_();
    ++cancelled;
  }
  return cancelled;
}

int IncrementStreams::open() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

}  // namespace progress
