// The flusher's steps on its long-lived Increment stream: keeping one open
// while the client holds counts, sending what changed, noticing when it
// broke, and leaving out the jobs it forgets. (The thread, its requests and
// the confirmations are in flusher.cc, the final flush in flusher_final.cc.)
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "flusher.h"
#include "fork_safe_clock.h"

namespace progress::client {
namespace {

// How long finding the refused jobs of a refused message may take.
constexpr absl::Duration kIsolateTimeout = absl::Seconds(10);
// How long the confirmation that lets idle jobs be forgotten may wait.
constexpr absl::Duration kForgetConfirmTimeout = absl::Seconds(10);
// Idle jobs are looked for this many times per forget time: a job is
// forgotten within 1.25 forget times of idleness, and a client makes at
// most four confirmations per forget time for that.
constexpr int kForgetLooks = 4;

}  // namespace

void Flusher::Tick() {
  const absl::Time now = Now();
  if (stream_ == nullptr) {
    Reconnect();
    return;
  }
  if (now >= last_send_ + options_.flush_interval) {
    last_send_ = now;
    const std::vector<JobValues> changed =
        jobs_->Take(JobTable::Which::kChanged);
    if (!changed.empty()) WriteOnStream(changed);
  }
  if (stream_ != nullptr && now >= last_write_ + options_.keepalive_interval) {
    // An idle stream: make sure it still stands, so a restarted daemon is
    // noticed within about a second even when nothing changes.
    if (!connection_->StillReady()) {
      DropStream();
    } else if (stream_->WriteKeepalive()) {
      last_write_ = now;
    } else {
      StreamBroke();
    }
  }
  next_tick_ = stream_ != nullptr
                   ? std::min(last_send_ + options_.flush_interval,
                              last_write_ + options_.keepalive_interval)
                   : Now();
}

void Flusher::ForgetIdle() {
  const absl::Time now = Now();
  next_forget_ = now + options_.forget_after / kForgetLooks;
  // Only over a stream that works: without one no job is resent anyway, and
  // a failed confirmation is retried at the health's pace.
  if (stream_ == nullptr || now < next_retry_) return;
  if (!jobs_->AnyIdleSince(now - options_.forget_after)) return;
  // A worker that never calls Flush would otherwise never have its jobs
  // confirmed, and never forget one. The confirmation also ends the
  // long-lived stream, and the next leaves the forgotten jobs out, so no
  // open stream of this client names them any more.
  Confirm(now + kForgetConfirmTimeout, /*closing=*/false).IgnoreError();
}

void Flusher::Reconnect() {
  const absl::Time now = Now();
  if (jobs_->Take(JobTable::Which::kAll).empty()) {
    next_tick_ = now + options_.flush_interval;  // Nothing to keep alive.
    return;
  }
  if (now < next_retry_) {
    next_tick_ = next_retry_;
    return;
  }
  // Waiting here is what drives gRPC's connection attempts; requests
  // (Flush, Shutdown, fork) are looked at between two waits.
  if (!connection_->AwaitReady(now + options_.reconnect_poll)) {
    if (connection_->Failing()) {
      // gRPC's reason (refused, TLS handshake failed...) beats our own.
      const absl::Status why = connection_->ConnectError();
      NoteFailure(why.ok() ? absl::UnavailableError("cannot connect") : why);
    }
    next_tick_ = Now();
    return;
  }
  OpenStream();
  next_tick_ =
      stream_ != nullptr ? last_send_ + options_.flush_interval : Now();
}

void Flusher::OpenStream() {
  absl::StatusOr<std::unique_ptr<IncrementStream>> stream =
      IncrementStream::Open(*connection_, options_.client_id,
                            absl::InfiniteFuture(), /*wait_for_ready=*/false,
                            /*closing=*/false);
  if (!stream.ok()) {
    NoteFailure(stream.status());
    return;
  }
  stream_ = *std::move(stream);
  // A new stream may reach a daemon that restarted and forgot this client:
  // it starts with every job's values (but the forgotten ones, see
  // JobTable::Forget).
  last_send_ = Now();
  WriteOnStream(jobs_->Take(JobTable::Which::kAll));
}

void Flusher::WriteOnStream(const std::vector<JobValues>& values) {
  if (!stream_->Write(values)) {
    StreamBroke();
    return;
  }
  for (const JobValues& value : values) {
    value.counter->sent_success = value.success;
    value.counter->sent_failure = value.failure;
  }
  last_write_ = Now();
  NoteSuccess();
}

void Flusher::StreamBroke() {
  std::unique_ptr<IncrementStream> broken = std::move(stream_);
  absl::Status status = broken->Close(nullptr);
  if (status.ok())
    status = absl::UnavailableError("progressd ended the stream");
  HandleFailure(status, Now() + kIsolateTimeout);
}

void Flusher::DropStream() {
  if (stream_ == nullptr) return;
  stream_->Cancel();
  stream_.reset();
}

}  // namespace progress::client
