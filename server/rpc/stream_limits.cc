#include "rpc/stream_limits.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace progress {
namespace {

constexpr int64_t kOldDefaultMessageBytes = 4 << 20;

int Milliseconds(absl::Duration duration) {
  const int64_t ms = absl::ToInt64Milliseconds(duration);
  return static_cast<int>(
      std::clamp<int64_t>(ms, 1, std::numeric_limits<int>::max()));
}

}  // namespace

int GrpcReceiveLimit(int max_message_bytes) {
  const int64_t ceiling = std::max<int64_t>(int64_t{4} * max_message_bytes,
                                            kOldDefaultMessageBytes);
  return static_cast<int>(
      std::min<int64_t>(ceiling, std::numeric_limits<int>::max()));
}

void AddConnectionLimits(const StreamLimits& limits,
                         grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                              Milliseconds(limits.keepalive_time));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                              Milliseconds(limits.keepalive_timeout));
  if (limits.max_connection_idle != absl::InfiniteDuration()) {
    builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                                Milliseconds(limits.max_connection_idle));
  }
}

absl::Status CheckMessageBytes(size_t bytes, int max_message_bytes) {
  if (bytes <= static_cast<size_t>(max_message_bytes)) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("Increment message of ", bytes,
                   " bytes is above --max_message_bytes=", max_message_bytes));
}

absl::Status CheckJobsPerMessage(int jobs, int max_jobs_per_message) {
  if (jobs <= max_jobs_per_message) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "Increment message names ", jobs,
      " jobs, above --max_jobs_per_message=", max_jobs_per_message));
}

absl::Status DecodeIncrement(grpc::ByteBuffer& raw, int max_message_bytes,
                             int max_jobs_per_message,
                             v1::IncrementRequest* request) {
  absl::Status status = CheckMessageBytes(raw.Length(), max_message_bytes);
  if (status.ok()) {
    grpc::ProtoBufferReader reader(&raw);
    if (!request->ParseFromZeroCopyStream(&reader)) {
      status = absl::InvalidArgumentError(
          "Increment message is not a valid IncrementRequest");
    } else {
      status = CheckJobsPerMessage(request->jobs_size(), max_jobs_per_message);
    }
  }
  raw.Clear();
  return status;
}

}  // namespace progress
