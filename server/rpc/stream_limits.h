#ifndef PROGRESS_SERVER_RPC_STREAM_LIMITS_H_
#define PROGRESS_SERVER_RPC_STREAM_LIMITS_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "progress/v1/progress.pb.h"

namespace progress {

// What one client may make the daemon hold, beyond the registry's limits.
// Defaults are progressd's; see its --help.
struct StreamLimits {
  // Most job entries in one Increment message; more fail RESOURCE_EXHAUSTED.
  // The client library never puts more than kClientJobsPerMessage in one.
  int max_jobs_per_message = 1000;
  // Most Increment streams open at once; one more fails RESOURCE_EXHAUSTED.
  int max_streams = 10000;
  // An Increment stream that sends nothing for this long is cancelled; the
  // client library sends a keepalive every second on an idle stream.
  absl::Duration stream_idle_timeout = absl::Seconds(60);
  // The server pings a connection after this long without traffic...
  absl::Duration keepalive_time = absl::Minutes(1);
  // ... and closes it if the ping is not answered within this.
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // A connection with no call open for this long is closed.
  absl::Duration max_connection_idle = absl::Minutes(10);
};

// The most entries the client library puts in one Increment message; the
// daemon must accept at least this many.
inline constexpr int kClientJobsPerMessage = 1000;

// The largest message gRPC itself lets through to an Increment call. It is
// above --max_message_bytes (at least the 4 MiB the daemon once accepted), so
// that an oversized message reaches the call as raw bytes and is refused,
// logged and counted there, before any of it is parsed. Only a message above
// this ceiling is refused by gRPC alone, unseen by the daemon.
int GrpcReceiveLimit(int max_message_bytes);

// Server keepalive and idle-connection arguments, so that connections whose
// peer vanished, or that sit unused, are closed and their memory reclaimed.
void AddConnectionLimits(const StreamLimits& limits,
                         grpc::ServerBuilder* builder);

// RESOURCE_EXHAUSTED when an Increment message of `bytes` is above
// `max_message_bytes`.
absl::Status CheckMessageBytes(size_t bytes, int max_message_bytes);

// RESOURCE_EXHAUSTED when an Increment message names more than
// `max_jobs_per_message` jobs.
absl::Status CheckJobsPerMessage(int jobs, int max_jobs_per_message);

// The trailing metadata key (value "1") on a RESOURCE_EXHAUSTED that is
// only for now (--max_streams): the client library retries it with backoff
// rather than taking its jobs as refused. client/src/increment_stream.cc
// knows the same key.
inline constexpr char kRetryLaterKey[] = "progress-retry-later";

// An Increment message with more entries than this leaves no capacity behind
// in the stream's request or scratch space, so a stream holds memory in
// proportion to what it sends now, not to the largest message it once sent.
inline constexpr int kRetainedEntries = 256;

// Checks the size of `raw`, parses it into `request` and checks its entries;
// `raw` is emptied. RESOURCE_EXHAUSTED above a limit, INVALID_ARGUMENT if it
// is no IncrementRequest.
absl::Status DecodeIncrement(grpc::ByteBuffer& raw, int max_message_bytes,
                             int max_jobs_per_message,
                             v1::IncrementRequest* request);

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_STREAM_LIMITS_H_
