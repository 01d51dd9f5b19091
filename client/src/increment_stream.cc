#include "increment_stream.h"

#include <utility>

#include "daemon_channel.h"

namespace progress::client {
namespace {

// Entries per message, so a client with very many jobs never builds a
// message near the daemon's size limit.
constexpr size_t kMaxEntriesPerMessage = 1000;

}  // namespace

IncrementStream::IncrementStream(Connection& connection, std::string client_id)
    : connection_(connection), client_id_(std::move(client_id)) {}

absl::StatusOr<std::unique_ptr<IncrementStream>> IncrementStream::Open(
    Connection& connection, std::string client_id, absl::Time deadline,
    bool wait_for_ready) {
  std::unique_ptr<IncrementStream> stream(
      new IncrementStream(connection, std::move(client_id)));
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
  if (!writer_->Write(message)) return false;
  client_id_sent_ = true;
  return true;
}

bool IncrementStream::Write(const std::vector<JobValues>& values) {
  v1::IncrementRequest message;
  for (const JobValues& value : values) {
    v1::JobCounts* counts = message.add_jobs();
    counts->set_job(value.counter->name);
    counts->set_success(value.success);
    counts->set_failure(value.failure);
    if (message.jobs_size() == static_cast<int>(kMaxEntriesPerMessage)) {
      if (!WriteMessage(message)) return false;
      message.Clear();
    }
  }
  return message.jobs_size() == 0 || WriteMessage(message);
}

bool IncrementStream::WriteKeepalive() {
  v1::IncrementRequest message;
  return WriteMessage(message);
}

absl::Status IncrementStream::Close(v1::IncrementResponse* response) {
  writer_->WritesDone();
  const absl::Status status = internal::FromGrpcStatus(writer_->Finish());
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
