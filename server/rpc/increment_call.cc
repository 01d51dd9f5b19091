#include "rpc/increment_call.h"

#include <spdlog/spdlog.h>

#include "rpc/grpc_status.h"

namespace progress {

void IncrementCall::Arm(const QueueContext& queue) {
  auto* call = new IncrementCall(queue);
  queue.service->RequestIncrement(&call->context_, &call->reader_, queue.queue,
                                  queue.queue, call);
}

IncrementCall::IncrementCall(const QueueContext& queue)
    : queue_(queue), reader_(&context_), session_(queue.registry) {
  queue_.live_calls->Add();
}

IncrementCall::~IncrementCall() {
  if (accepted_) {
    queue_.write_stats->active_streams.fetch_sub(1, std::memory_order_relaxed);
  }
  queue_.live_calls->Remove();
}

void IncrementCall::Proceed(bool ok) {
  switch (state_) {
    case State::kWaitingForCall:
      if (!ok) {  // The server is shutting down; no stream came.
        delete this;
        return;
      }
      Arm(queue_);
      accepted_ = true;
      queue_.write_stats->active_streams.fetch_add(1,
                                                   std::memory_order_relaxed);
      state_ = State::kReading;
      reader_.Read(&request_, this);
      return;

    case State::kReading: {
      if (!ok) {  // The client closed its side (or the call was cancelled).
        if (session_.regressions() > 0) {
          spdlog::warn(
              "Increment stream of client {} from {} sent {} values lower than "
              "already applied; they were ignored",
              session_.client_id(), context_.peer(), session_.regressions());
        }
        state_ = State::kFinishing;
        response_ = session_.Recorded();
        if (queue_.commit_gate == nullptr) {
          reader_.Finish(response_, grpc::Status::OK, this);
          return;
        }
        // The reply is the client's confirmation, so with a state file it
        // waits until what it confirms would survive a crash.
        queue_.commit_gate->AwaitDurable([this](const absl::Status& durable) {
          if (durable.ok()) {
            reader_.Finish(response_, grpc::Status::OK, this);
          } else {
            reader_.FinishWithError(ToGrpcStatus(durable), this);
          }
        });
        return;
      }
      absl::Status applied = session_.Apply(request_);
      if (!applied.ok()) {
        FinishWith(applied);
        return;
      }
      // A keepalive (no entries) applies nothing, so it is not counted among
      // the messages applied.
      if (request_.jobs_size() > 0) {
        queue_.write_stats->increment_messages.fetch_add(
            1, std::memory_order_relaxed);
      }
      reader_.Read(&request_, this);
      return;
    }

    case State::kFinishing:
      delete this;
      return;
  }
}

void IncrementCall::FinishWith(const absl::Status& status) {
  spdlog::warn("Increment stream of client '{}' from {} rejected: {}",
               session_.client_id(), context_.peer(), status.ToString());
  queue_.stats->CountRejected(Rpc::kIncrement, status.code());
  state_ = State::kFinishing;
  reader_.FinishWithError(ToGrpcStatus(status), this);
}

}  // namespace progress
