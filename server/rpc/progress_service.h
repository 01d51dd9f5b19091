#ifndef PROGRESS_SERVER_RPC_PROGRESS_SERVICE_H_
#define PROGRESS_SERVER_RPC_PROGRESS_SERVICE_H_

#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/byte_buffer.h>

#include "progress/v1/progress.grpc.pb.h"

namespace progress {

// The generated async service, plus a way to take Increment's messages as
// raw bytes: the call then sees an oversized message's size before parsing
// it, and refuses, logs and counts it itself (gRPC would drop it unseen).
class ProgressAsyncService : public v1::ProgressTracker::AsyncService {
 public:
  ProgressAsyncService();

  using RawIncrementReader =
      grpc::ServerAsyncReader<v1::IncrementResponse, grpc::ByteBuffer>;

  // RequestIncrement, with requests left serialized.
  void RequestRawIncrement(grpc::ServerContext* context,
                           RawIncrementReader* reader,
                           grpc::CompletionQueue* new_call_queue,
                           grpc::ServerCompletionQueue* notification_queue,
                           void* tag);
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_PROGRESS_SERVICE_H_
