#include "increment_stream.h"

#include <utility>

#include "daemon_channel.h"

namespace progress::client {
namespace {

// A message is cut at about this size, half the daemon's default and least
// limit (--max_message_bytes, 64 KiB), so a client with very many jobs never
// nears it. An entry's size is taken as its name plus the most its other
// fields and framing can take.
constexpr size_t kMessageBytes = 32 << 10;
constexpr size_t kEntryOverheadBytes = 32;
// ... and at this many entries, the daemon's least --max_jobs_per_message
// (short names would otherwise fit about 990 in 32 KiB; a smaller overhead
// estimate must not push a message past the daemon's count).
constexpr int kMessageJobs = 1000;
// Trailing metadata with which the daemon says a RESOURCE_EXHAUSTED holds
// only for now (its --max_streams); server/rpc/stream_limits.h says the same.
constexpr char kRetryLaterKey[] = "progress-retry-later";

}  // namespace

IncrementStream::IncrementStream(Connection& connection, std::string client_id,
                                 bool closing)
    : connection_(connection),
      client_id_(std::move(client_id)),
      closing_(closing) {}

absl::StatusOr<std::unique_ptr<IncrementStream>> IncrementStream::Open(
    Connection& connection, std::string client_id, absl::Time deadline,
    bool wait_for_ready, bool closing) {
  std::unique_ptr<IncrementStream> stream(
      new IncrementStream(connection, std::move(client_id), closing));
  if (deadline != absl::InfiniteFuture()) {
    stream->context_.set_deadline(absl::ToChronoTime(deadline));
  }
  stream->context_.set_wait_for_ready(wait_for_ready);
  absl::StatusOr<v1::ProgressTracker::Stub*> stub =
      connection.BeginCall(&stream->context_, Connection::Caller::kFlusher);
  if (!stub.ok()) {
    stream->closed_ = true;  // Nothing was started; nothing to end.
    return stub.status();
  }
  stream->writer_ = (*stub)->Increment(&stream->context_, &stream->response_);
  return stream;
}

IncrementStream::~IncrementStream() {
  if (closed_) return;
  Cancel();
}

bool IncrementStream::WriteMessage(v1::IncrementRequest& message) {
  if (!client_id_sent_) message.set_client_id(client_id_);
  message.set_closing(closing_);
  if (!writer_->Write(message)) return false;
  client_id_sent_ = true;
  return true;
}

bool IncrementStream::Write(const std::vector<JobValues>& values) {
  v1::IncrementRequest message;
  size_t bytes = 0;
  for (const JobValues& value : values) {
    const size_t entry_bytes = value.counter->name.size() + kEntryOverheadBytes;
    if ((bytes + entry_bytes > kMessageBytes && message.jobs_size() > 0) ||
        message.jobs_size() == kMessageJobs) {
      if (!WriteMessage(message)) return false;
      message.Clear();
      bytes = 0;
    }
    v1::JobCounts* counts = message.add_jobs();
    counts->set_job(value.counter->name);
    counts->set_success(value.success);
    counts->set_failure(value.failure);
    bytes += entry_bytes;
  }
  return message.jobs_size() == 0 || WriteMessage(message);
}

bool IncrementStream::WriteKeepalive() {
  v1::IncrementRequest message;
  return WriteMessage(message);
}

absl::Status IncrementStream::Close(v1::IncrementResponse* response) {
  writer_->WritesDone();
  absl::Status status = internal::FromGrpcStatus(writer_->Finish());
  if (absl::IsResourceExhausted(status) &&
      context_.GetServerTrailingMetadata().count(kRetryLaterKey) > 0) {
    // The daemon is at its stream limit: no refusal of our jobs, so it must
    // not mark them refused; retry like an unreachable daemon.
    status = absl::UnavailableError(status.message());
  }
  closed_ = true;
  connection_.EndCall(&context_);
  if (response != nullptr) *response = std::move(response_);
  return status;
}

void IncrementStream::Cancel() {
  context_.TryCancel();
  Close(nullptr).IgnoreError();
}

}  // namespace progress::client
