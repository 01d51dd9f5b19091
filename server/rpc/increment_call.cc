#include "rpc/increment_call.h"

#include <spdlog/spdlog.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "rpc/grpc_status.h"
#include "rpc/rejection_log.h"

namespace progress {

void IncrementCall::Arm(const QueueContext& queue) {
  auto* call = new IncrementCall(queue);
  queue.service->RequestRawIncrement(&call->context_, &call->reader_,
                                     queue.queue, queue.queue, call);
}

IncrementCall::IncrementCall(const QueueContext& queue)
    : queue_(queue),
      reader_(&context_),
      session_(queue.registry),
      activity_([this] { context_.TryCancel(); }) {
  queue_.live_calls->Add();
}

IncrementCall::~IncrementCall() {
  LeaveOpenStreams();
  queue_.live_calls->Remove();
}

void IncrementCall::LeaveOpenStreams() {
  if (!admitted_) return;
  admitted_ = false;
  queue_.streams->Remove(&activity_);
  queue_.write_stats->active_streams.fetch_sub(1, std::memory_order_relaxed);
}

void IncrementCall::Proceed(bool ok) {
  switch (state_) {
    case State::kWaitingForCall:
      if (!ok) {  // The server is shutting down; no stream came.
        delete this;
        return;
      }
      Arm(queue_);
      Accept();
      return;

    case State::kReading: {
      if (!ok) {  // The client closed its side (or the call was cancelled).
        if (activity_.cancelled_idle()) {
          queue_.stats->CountRejected(Rpc::kIncrement,
                                      absl::StatusCode::kCancelled);
          if (RejectionLog::Default().Allow("Increment idle")) {
            spdlog::warn(
                "Increment stream of client '{}' from {} sent nothing for {}; "
                "cancelled (what it applied stays applied)",
                session_.client_id(), context_.peer(),
                absl::FormatDuration(
                    queue_.streams->limits().stream_idle_timeout));
          }
        }
        if (session_.regressions() > 0 &&
            RejectionLog::Default().Allow("Increment regressions")) {
          spdlog::warn(
              "Increment stream of client {} from {} sent {} values lower than "
              "already applied; they were ignored",
              session_.client_id(), context_.peer(), session_.regressions());
        }
        state_ = State::kFinishing;
        // It can apply nothing more: its --max_streams slot is free again,
        // even while its reply waits for a snapshot (a full disk must not
        // fill the daemon with streams that only wait).
        LeaveOpenStreams();
        response_ = session_.Recorded();
        // A closing client's entries go now, not after --client_ttl; their
        // tombstones keep a retry of this stream from counting twice.
        session_.RetireIfClosing();
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
      OnMessage();
      return;
    }

    case State::kFinishing:
      delete this;
      return;
  }
}

void IncrementCall::Accept() {
  state_ = State::kReading;
  if (!queue_.streams->Add(&activity_)) {
    // Only for now: the client retries later (see kRetryLaterKey).
    context_.AddTrailingMetadata(kRetryLaterKey, "1");
    FinishWith(absl::ResourceExhaustedError(absl::StrCat(
        "too many Increment streams open (--max_streams=",
        queue_.streams->limits().max_streams, "); try again later")));
    return;
  }
  admitted_ = true;
  queue_.write_stats->active_streams.fetch_add(1, std::memory_order_relaxed);
  reader_.Read(&raw_, this);
}

void IncrementCall::OnMessage() {
  activity_.Touch(absl::Now());
  absl::Status status =
      DecodeIncrement(raw_, queue_.streams->max_message_bytes(),
                      queue_.streams->limits().max_jobs_per_message, &request_);
  if (status.ok()) status = session_.Apply(request_);
  const int jobs = request_.jobs_size();
  if (jobs > kRetainedEntries) {
    request_ = v1::IncrementRequest();
    session_.ReleaseScratch();
  }
  if (!status.ok()) {
    FinishWith(status);
    return;
  }
  // A keepalive (no entries) applies nothing, so it is not counted among
  // the messages applied.
  if (jobs > 0) {
    queue_.write_stats->increment_messages.fetch_add(1,
                                                     std::memory_order_relaxed);
  }
  reader_.Read(&raw_, this);
}

void IncrementCall::FinishWith(const absl::Status& status) {
  if (RejectionLog::Default().Allow(absl::StrCat(
          "Increment ", absl::StatusCodeToString(status.code())))) {
    spdlog::warn("Increment stream of client '{}' from {} rejected: {}",
                 session_.client_id(), context_.peer(), status.ToString());
  }
  queue_.stats->CountRejected(Rpc::kIncrement, status.code());
  state_ = State::kFinishing;
  reader_.FinishWithError(ToGrpcStatus(status), this);
}

}  // namespace progress
