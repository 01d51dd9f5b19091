#ifndef PROGRESS_BENCH_FLOOD_H_
#define PROGRESS_BENCH_FLOOD_H_

// Write load: many streams (progressd: Increment streams, each its own
// client; Redis: connections doing INCRBY), as fast as they go or paced, for
// a duration or a record count.
#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "channel_security.h"

namespace progress::bench {

struct FloodOptions {
  std::string address;
  internal::ChannelSecurity security;
  std::string job = "bench";
  // Each stream is one simulated client on a connection of its own.
  int streams = 64;
  // Threads driving the streams (one completion queue each).
  int threads = 2;
  // Stops after this long, or once `records` messages were sent (0: no cap).
  absl::Duration duration = absl::Seconds(5);
  uint64_t records = 0;
  // Each stream sends a message this often; zero: as fast as it can. A real
  // client sends at most one per --flush_interval (100 ms by default).
  absl::Duration stream_interval = absl::ZeroDuration();
  // Redis only: INCRBY commands a connection sends before reading replies.
  int pipeline = 16;
  // Called once, while every stream is open and has sent its first message
  // (for measuring the daemon's footprint with them held).
  std::function<void()> while_open;
};

struct FloodResult {
  uint64_t messages = 0;   // Sent and acknowledged by the transport.
  double seconds = 0;      // From the first stream's start to the last end.
  int failed_streams = 0;  // Streams that did not end OK.
  std::string first_error;
  // Sent between the last stream's start and the stop: the rate the
  // server sustained, without the connecting at the start and the closing
  // at the end. Zero when there was no such time.
  uint64_t steady_messages = 0;
  double steady_seconds = 0;
  // Streams open when `while_open` was called (all, unless some could not
  // connect before the duration ran out).
  int open_when_sampled = 0;
};

// Increment streams to progressd: message n of a stream says its client's
// success count is n, so the job's count must rise by `messages` exactly.
FloodResult RunProgressdFlood(const FloodOptions& options);

// INCRBY job 1 per message, on `streams` connections, pipelined.
FloodResult RunRedisFlood(const FloodOptions& options);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_FLOOD_H_
