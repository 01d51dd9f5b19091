#ifndef PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
#define PROGRESS_SERVER_RPC_INCREMENT_CALL_H_

#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "rpc/call_tag.h"
#include "rpc/increment_session.h"
#include "rpc/increment_streams.h"

namespace progress {

// One Increment client stream, from the request for it until its Finish.
//
// Runs on a write queue's thread only; what each message does to the
// registry is its IncrementSession's. Messages arrive raw, so their size is
// checked before they are parsed (see stream_limits.h).
class IncrementCall final : public CallTag {
 public:
  // Posts a new call object waiting for the next Increment stream on `queue`.
  static void Arm(const QueueContext& queue);

  void Proceed(bool ok) override;

 private:
  explicit IncrementCall(const QueueContext& queue);
  ~IncrementCall() override;

  // A new stream: admitted and reading, or refused at --max_streams.
  void Accept();
  void OnMessage();
  void FinishWith(const absl::Status& status);
  // Gives back its place among the open streams, once.
  void LeaveOpenStreams();

  enum class State { kWaitingForCall, kReading, kFinishing };

  const QueueContext queue_;
  State state_ = State::kWaitingForCall;
  grpc::ServerContext context_;
  ProgressAsyncService::RawIncrementReader reader_;
  grpc::ByteBuffer raw_;
  v1::IncrementRequest request_;
  // The reply, kept while it waits for durability and is sent.
  v1::IncrementResponse response_;

  IncrementSession session_;
  StreamActivity activity_;
  // Within --max_streams: in queue_.streams and counted active until gone.
  bool admitted_ = false;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
