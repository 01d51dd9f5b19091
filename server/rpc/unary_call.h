#ifndef PROGRESS_SERVER_RPC_UNARY_CALL_H_
#define PROGRESS_SERVER_RPC_UNARY_CALL_H_

#include <grpcpp/support/async_unary_call.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rpc/call_tag.h"
#include "rpc/grpc_status.h"
#include "rpc/rejection_log.h"

namespace progress {

// One unary RPC (a read or a job-control call) on a read queue: wait for the
// call, run its plain handler, send the reply, and go.
template <typename Request, typename Response>
class UnaryCall final : public CallTag {
 public:
  using Writer = grpc::ServerAsyncResponseWriter<Response>;
  using RequestMethod = void (v1::ProgressTracker::AsyncService::*)(
      grpc::ServerContext*, Request*, Writer*, grpc::CompletionQueue*,
      grpc::ServerCompletionQueue*, void*);
  using Handler = absl::Status (*)(JobRegistry&, const Request&, Response*);

  // Posts a call object waiting for the next call of `method` on `queue`.
  static void Arm(const QueueContext& queue, Rpc rpc, RequestMethod method,
                  Handler handler) {
    auto* call = new UnaryCall(queue, rpc, method, handler);
    (queue.service->*method)(&call->context_, &call->request_, &call->writer_,
                             queue.queue, queue.queue, call);
  }

  void Proceed(bool ok) override {
    if (!ok || finishing_) {  // Shutdown before a call came, or reply sent.
      delete this;
      return;
    }
    Arm(queue_, rpc_, method_, handler_);
    finishing_ = true;
    Response response;
    const absl::Status status = handler_(*queue_.registry, request_, &response);
    if (status.ok()) {
      writer_.Finish(response, grpc::Status::OK, this);
      return;
    }
    queue_.stats->CountRejected(rpc_, status.code());
    if (RejectionLog::Default().Allow(absl::StrCat(
            RpcName(rpc_), " ", absl::StatusCodeToString(status.code())))) {
      Log(status);
    }
    writer_.FinishWithError(ToGrpcStatus(status), this);
  }

 private:
  UnaryCall(const QueueContext& queue, Rpc rpc, RequestMethod method,
            Handler handler)
      : queue_(queue),
        rpc_(rpc),
        method_(method),
        handler_(handler),
        writer_(&context_) {
    queue_.live_calls->Add();
  }
  ~UnaryCall() override { queue_.live_calls->Remove(); }

  void Log(const absl::Status& status) {
    if (absl::IsNotFound(status)) {
      spdlog::info("{} from {}: {}", RpcName(rpc_), context_.peer(),
                   status.ToString());
    } else {
      spdlog::warn("{} from {} rejected: {}", RpcName(rpc_), context_.peer(),
                   status.ToString());
    }
  }

  const QueueContext queue_;
  const Rpc rpc_;
  const RequestMethod method_;
  const Handler handler_;
  bool finishing_ = false;
  grpc::ServerContext context_;
  Request request_;
  Writer writer_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_UNARY_CALL_H_
