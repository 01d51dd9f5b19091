#include "replica/replica_service.h"

#include <string>

#include "names.h"
#include "rpc/grpc_status.h"
#include "rpc/read_handlers.h"

namespace progress {
namespace {

grpc::Status ReadOnly(const char* call) {
  return grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      std::string(call) +
          " changes counts: send it to progressd's --listen address; this "
          "is its read-only address (--read_listen)");
}

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// An Increment stream here is refused at once, before its first message.
class RefusedStream final
    : public grpc::ServerReadReactor<v1::IncrementRequest> {
 public:
  RefusedStream() { Finish(ReadOnly("Increment")); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* ReplicaService::GetCounts(
    grpc::CallbackServerContext* context, const v1::GetCountsRequest* request,
    v1::GetCountsResponse* response) {
  return Answer(context, GetCountsStatus(*request, response));
}

grpc::ServerUnaryReactor* ReplicaService::ListJobs(
    grpc::CallbackServerContext* context, const v1::ListJobsRequest* request,
    v1::ListJobsResponse* response) {
  return Answer(context, ListJobsStatus(*request, response));
}

grpc::ServerReadReactor<v1::IncrementRequest>* ReplicaService::Increment(
    grpc::CallbackServerContext*, v1::IncrementResponse*) {
  return new RefusedStream;
}

grpc::ServerUnaryReactor* ReplicaService::StartJob(
    grpc::CallbackServerContext* context, const v1::StartJobRequest*,
    v1::StartJobResponse*) {
  return Answer(context, ReadOnly("StartJob"));
}

grpc::ServerUnaryReactor* ReplicaService::FinishJob(
    grpc::CallbackServerContext* context, const v1::FinishJobRequest*,
    v1::FinishJobResponse*) {
  return Answer(context, ReadOnly("FinishJob"));
}

grpc::Status ReplicaService::GetCountsStatus(
    const v1::GetCountsRequest& request, v1::GetCountsResponse* response) {
  if (absl::Status valid =
          ValidateName("job name", request.job(), max_job_name_bytes_);
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<v1::Job> job = jobs_->Get(request.job());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response->mutable_job() = *std::move(job);
  return grpc::Status::OK;
}

grpc::Status ReplicaService::ListJobsStatus(const v1::ListJobsRequest& request,
                                            v1::ListJobsResponse* response) {
  const absl::StatusOr<size_t> page_size =
      ListJobsPageSize(request, max_job_name_bytes_);
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  return ToGrpcStatus(jobs_->List(request.page_token(), *page_size, response));
}

}  // namespace progress
