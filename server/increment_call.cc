#include "increment_call.h"

#include <spdlog/spdlog.h>

#include "grpc_status.h"

namespace progress {

void IncrementCall::Arm(const QueueContext& queue) {
  auto* call = new IncrementCall(queue);
  queue.service->RequestIncrement(&call->context_, &call->reader_, queue.queue,
                                  queue.queue, call);
}

IncrementCall::IncrementCall(const QueueContext& queue)
    : queue_(queue), reader_(&context_) {
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
        if (regressions_ > 0) {
          spdlog::warn(
              "Increment stream of client {} from {} sent {} values lower than "
              "already applied; they were ignored",
              client_id_, context_.peer(), regressions_);
        }
        state_ = State::kFinishing;
        reader_.Finish(Recorded(), grpc::Status::OK, this);
        return;
      }
      absl::Status applied = ApplyRequest();
      if (!applied.ok()) {
        FinishWith(applied);
        return;
      }
      queue_.write_stats->increment_messages.fetch_add(
          1, std::memory_order_relaxed);
      reader_.Read(&request_, this);
      return;
    }

    case State::kFinishing:
      delete this;
      return;
  }
}

absl::Status IncrementCall::AdoptClientId() {
  if (client_id_.empty()) {
    if (request_.client_id().empty()) {
      return absl::InvalidArgumentError(
          "the first message of an Increment stream must carry client_id");
    }
    absl::Status valid = JobRegistry::ValidateClientId(request_.client_id());
    if (!valid.ok()) return valid;
    client_id_ = request_.client_id();
    return absl::OkStatus();
  }
  if (!request_.client_id().empty() && request_.client_id() != client_id_) {
    return absl::InvalidArgumentError(
        "client_id changed in the middle of an Increment stream");
  }
  return absl::OkStatus();
}

absl::Status IncrementCall::ApplyRequest() {
  if (absl::Status adopted = AdoptClientId(); !adopted.ok()) return adopted;

  // Resolve every entry before applying any, so a message naming one bad job
  // applies nothing at all.
  resolved_.clear();
  for (const v1::JobCounts& entry : request_.jobs()) {
    auto it = cursors_.find(entry.job());
    if (it == cursors_.end()) {
      absl::StatusOr<std::shared_ptr<ClientCursor>> cursor =
          queue_.registry->ResolveCursor(entry.job(), client_id_);
      if (!cursor.ok()) return cursor.status();
      it = cursors_.emplace(entry.job(), *std::move(cursor)).first;
    }
    resolved_.emplace_back(it->second.get(), &entry);
  }
  for (const auto& [cursor, entry] : resolved_) {
    absl::StatusOr<ApplyResult> result =
        queue_.registry->Apply(*cursor, entry->success(), entry->failure());
    if (!result.ok()) return result.status();
    if (result->regressed) ++regressions_;
  }
  return absl::OkStatus();
}

v1::IncrementResponse IncrementCall::Recorded() const {
  v1::IncrementResponse response;
  for (const auto& [job, cursor] : cursors_) {
    const ClientCursor::Counts applied = cursor->applied();
    v1::JobCounts* recorded = response.add_recorded();
    recorded->set_job(job);
    recorded->set_success(applied.success);
    recorded->set_failure(applied.failure);
  }
  return response;
}

void IncrementCall::FinishWith(const absl::Status& status) {
  spdlog::warn("Increment stream of client '{}' from {} rejected: {}",
               client_id_, context_.peer(), status.ToString());
  queue_.stats->CountRejected(Rpc::kIncrement, status.code());
  state_ = State::kFinishing;
  reader_.FinishWithError(ToGrpcStatus(status), this);
}

}  // namespace progress
