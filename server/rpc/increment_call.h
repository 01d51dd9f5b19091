#ifndef PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
#define PROGRESS_SERVER_RPC_INCREMENT_CALL_H_

#include <grpcpp/support/async_stream.h>

#include "absl/status/status.h"
#include "rpc/call_tag.h"
#include "rpc/increment_session.h"

namespace progress {

// One Increment client stream, from the request for it until its Finish.
//
// Runs on a write queue's thread only; what each message does to the
// registry is its IncrementSession's.
class IncrementCall final : public CallTag {
 public:
  // Posts a new call object waiting for the next Increment stream on `queue`.
  static void Arm(const QueueContext& queue);

  void Proceed(bool ok) override;

 private:
  explicit IncrementCall(const QueueContext& queue);
  ~IncrementCall() override;

  void FinishWith(const absl::Status& status);

  enum class State { kWaitingForCall, kReading, kFinishing };

  const QueueContext queue_;
  State state_ = State::kWaitingForCall;
  grpc::ServerContext context_;
  grpc::ServerAsyncReader<v1::IncrementResponse, v1::IncrementRequest> reader_;
  v1::IncrementRequest request_;
  // The reply, kept while it waits for durability and is sent.
  v1::IncrementResponse response_;

  IncrementSession session_;
  bool accepted_ = false;  // A stream came; it counts as active until gone.
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
