#ifndef PROGRESS_SERVER_RPC_INCREMENT_STREAMS_H_
#define PROGRESS_SERVER_RPC_INCREMENT_STREAMS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rpc/stream_limits.h"

namespace progress {

// One open Increment stream as IncrementStreams sees it: when it last sent
// something, and how to cancel it. Owned by the stream's call object.
class StreamActivity {
 public:
  // `cancel` must be safe to call from any thread (ServerContext::TryCancel).
  explicit StreamActivity(std::function<void()> cancel)
      : cancel_(std::move(cancel)) {}

  // A relaxed store: this is on every message's path.
  void Touch(absl::Time now) {
    last_ns_.store(absl::ToUnixNanos(now), std::memory_order_relaxed);
  }
  // True once IncrementStreams cancelled the stream for being idle.
  bool cancelled_idle() const {
    return cancelled_idle_.load(std::memory_order_acquire);
  }

 private:
  friend class IncrementStreams;

  const std::function<void()> cancel_;
  std::atomic<int64_t> last_ns_{0};
  std::atomic<bool> cancelled_idle_{false};
};

// The open Increment streams of a server, and the limits they are held to:
// admits at most `max_streams` at once, and cancels those that sent nothing
// for `stream_idle_timeout`, so that
// streams that never send, or whose client is gone without a word, are
// reclaimed. Cancelling loses nothing: what a stream applied stays applied.
//
// Thread-safe. Add and Remove take a lock once per stream, never per message;
// CancelIdle runs off the completion-queue threads (the server's sampler).
class IncrementStreams {
 public:
  IncrementStreams(const StreamLimits& limits, int max_message_bytes)
      : limits_(limits), max_message_bytes_(max_message_bytes) {}

  IncrementStreams(const IncrementStreams&) = delete;
  IncrementStreams& operator=(const IncrementStreams&) = delete;

  // Admits `stream`, touched now; false (and not admitted) at the limit.
  bool Add(StreamActivity* stream, absl::Time now = absl::Now());
  // Forgets an admitted stream; after this it is never cancelled from here.
  void Remove(StreamActivity* stream);

  // Cancels every stream that sent nothing since `now - stream_idle_timeout`,
  // once;
  // returns how many it cancelled.
  int CancelIdle(absl::Time now = absl::Now());

  int open() const;
  const StreamLimits& limits() const { return limits_; }
  int max_message_bytes() const { return max_message_bytes_; }

 private:
  const StreamLimits limits_;
  const int max_message_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<StreamActivity*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_INCREMENT_STREAMS_H_
