#include "counter_reader.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"
#include "redis_connection.h"
#include "wire/bench_wire.pb.h"

namespace progress::bench {
namespace {

using wire::GetCountsRequest;
using wire::GetCountsResponse;
using wire::StartJobRequest;
using wire::StartJobResponse;

// One unary call as a generated stub makes it, waited for on `queue`.
template <typename Request, typename Response>
grpc::Status CallUnary(grpc::TemplatedGenericStub<Request, Response>& stub,
                       const std::string& method, const Request& request,
                       Response* response, grpc::CompletionQueue& queue) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  context.set_wait_for_ready(true);
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, method, request, &queue);
  call->StartCall();
  call->Finish(response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  if (!queue.Next(&tag, &ok) || !ok) {
    return grpc::Status(grpc::StatusCode::INTERNAL, method + " did not end");
  }
  return status;
}

class ProgressdReader : public CounterReader {
 public:
  ProgressdReader(const std::string& address, std::string job,
                  const internal::ChannelSecurity& security)
      : channel_(internal::DaemonChannel(address, absl::Seconds(1), security)),
        stub_(channel_) {
    request_.set_job(std::move(job));
  }

  absl::Status Create() override {
    grpc::TemplatedGenericStub<StartJobRequest, StartJobResponse> stub(
        channel_);
    StartJobRequest request;
    request.set_job(request_.job());
    StartJobResponse response;
    return internal::FromGrpcStatus(
        CallUnary(stub, "/progress.v1.ProgressTracker/StartJob", request,
                  &response, queue_));
  }

  absl::StatusOr<uint64_t> Read() override {
    GetCountsResponse response;
    const grpc::Status status =
        CallUnary(stub_, "/progress.v1.ProgressTracker/GetCounts", request_,
                  &response, queue_);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return 0;
    if (!status.ok()) return internal::FromGrpcStatus(status);
    return response.job().success();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::TemplatedGenericStub<GetCountsRequest, GetCountsResponse> stub_;
  grpc::CompletionQueue queue_;
  GetCountsRequest request_;
};

class RedisReader : public CounterReader {
 public:
  RedisReader(std::unique_ptr<RedisConnection> connection, std::string key)
      : connection_(std::move(connection)), key_(std::move(key)) {}

  absl::Status Create() override {
    return connection_->Call({"INCRBY", key_, "0"}).status();
  }

  absl::StatusOr<uint64_t> Read() override {
    absl::StatusOr<int64_t> value = connection_->Call({"GET", key_});
    if (!value.ok()) return value.status();
    return static_cast<uint64_t>(*value);
  }

 private:
  std::unique_ptr<RedisConnection> connection_;
  std::string key_;
};

}  // namespace

absl::StatusOr<Backend> ParseBackend(const std::string& name) {
  if (name == "progressd") return Backend::kProgressd;
  if (name == "redis") return Backend::kRedis;
  return absl::InvalidArgumentError(
      absl::StrCat("--backend must be progressd or redis, not '", name, "'"));
}

absl::StatusOr<std::unique_ptr<CounterReader>> MakeCounterReader(
    Backend backend, const std::string& address, const std::string& job,
    const internal::ChannelSecurity& security) {
  if (backend == Backend::kProgressd) {
    return std::make_unique<ProgressdReader>(address, job, security);
  }
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(address);
  if (!connection.ok()) return connection.status();
  return std::make_unique<RedisReader>(std::move(*connection), job);
}

}  // namespace progress::bench
