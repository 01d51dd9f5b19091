#include "rpc/increment_call.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "rpc/grpc_status.h"

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
  if (absl::Status valid = ValidateEntries(); !valid.ok()) return valid;
  if (absl::Status resolved = ResolveNewJobs(); !resolved.ok()) return resolved;
  for (const auto& [cursor, entry] : entries_) {
    // Cannot fail: ValidateEntries checked every value against the cap, the
    // only refusal Apply has for a resolved cursor.
    absl::StatusOr<ApplyResult> result =
        queue_.registry->Apply(*cursor, entry->success(), entry->failure());
    if (!result.ok()) return result.status();
    if (result->regressed) ++regressions_;
  }
  return absl::OkStatus();
}

absl::Status IncrementCall::ValidateEntries() {
  JobRegistry& registry = *queue_.registry;
  entries_.clear();
  new_jobs_.clear();
  seen_.clear();
  const bool may_repeat = request_.jobs_size() > 1;
  for (const v1::JobCounts& entry : request_.jobs()) {
    ClientCursor* cursor = nullptr;
    auto cached = cursors_.find(entry.job());
    if (cached != cursors_.end()) {
      cursor = cached->second.get();
    } else {
      // A cached name was valid when it was first resolved.
      if (absl::Status valid = registry.ValidateJobName(entry.job());
          !valid.ok()) {
        return valid;
      }
      new_jobs_.push_back(entry.job());
    }
    if (may_repeat && !seen_.insert(entry.job()).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "job '%s' appears twice in one message", entry.job()));
    }
    if (absl::Status within = registry.CheckCumulative(
            entry.job(), entry.success(), entry.failure());
        !within.ok()) {
      return within;
    }
    entries_.emplace_back(cursor, &entry);
  }
  return absl::OkStatus();
}

absl::Status IncrementCall::ResolveNewJobs() {
  if (new_jobs_.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<std::shared_ptr<ClientCursor>>> resolved =
      queue_.registry->ResolveCursors(new_jobs_, client_id_);
  if (!resolved.ok()) return resolved.status();
  // ResolveCursors answers in new_jobs_ order, which is entries_ order.
  auto next = resolved->begin();
  for (auto& [cursor, entry] : entries_) {
    if (cursor != nullptr) continue;
    cursor = next->get();
    cursors_.emplace(entry->job(), std::move(*next));
    ++next;
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
