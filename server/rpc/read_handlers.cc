#include "rpc/read_handlers.h"

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>

#include "names.h"

namespace progress {
namespace {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp) {
  const int64_t nanos = absl::ToUnixNanos(time);
  timestamp->set_seconds(nanos / 1'000'000'000);
  timestamp->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
}

// Serves the status, and on success the job, of a registry call.
template <typename Response>
absl::Status Reply(const absl::StatusOr<JobSnapshot>& snapshot,
                   Response* response) {
  if (!snapshot.ok()) return snapshot.status();
  ToProto(*snapshot, response->mutable_job());
  return absl::OkStatus();
}

}  // namespace

void ToProto(const JobSnapshot& snapshot, v1::Job* job) {
  job->set_name(snapshot.name);
  job->set_success(snapshot.success);
  job->set_failure(snapshot.failure);
  job->set_expected_total(snapshot.expected_total);
  SetTimestamp(snapshot.created_time, job->mutable_created_time());
  if (snapshot.first_update_time) {
    SetTimestamp(*snapshot.first_update_time, job->mutable_first_update_time());
  }
  if (snapshot.last_update_time) {
    SetTimestamp(*snapshot.last_update_time, job->mutable_last_update_time());
  }
  if (snapshot.finish_time) {
    SetTimestamp(*snapshot.finish_time, job->mutable_finish_time());
  }
  job->set_average_rate(snapshot.average_rate);
  job->set_recent_rate(snapshot.recent_rate);
  job->set_clients(snapshot.clients);
  job->set_done(snapshot.done);
}

absl::Status HandleGetCounts(JobRegistry& registry,
                             const v1::GetCountsRequest& request,
                             v1::GetCountsResponse* response) {
  return Reply(registry.Get(request.job()), response);
}

absl::StatusOr<size_t> ListJobsPageSize(const v1::ListJobsRequest& request,
                                        size_t max_job_name_bytes) {
  // The token is the last name of the previous page; anything else a client
  // sends is not a name we could have produced.
  if (!request.page_token().empty()) {
    absl::Status valid =
        ValidateName("page_token", request.page_token(), max_job_name_bytes);
    if (!valid.ok()) return valid;
  }
  return ClampPageSize(request.page_size());
}

absl::Status HandleListJobs(JobRegistry& registry,
                            const v1::ListJobsRequest& request,
                            v1::ListJobsResponse* response) {
  const absl::StatusOr<size_t> page_size =
      ListJobsPageSize(request, registry.limits().max_job_name_bytes);
  if (!page_size.ok()) return page_size.status();
  JobPage page = registry.List(request.page_token(), *page_size);
  for (const JobSnapshot& snapshot : page.jobs) {
    ToProto(snapshot, response->add_jobs());
  }
  response->set_next_page_token(page.next_after);
  return absl::OkStatus();
}

absl::Status HandleStartJob(JobRegistry& registry,
                            const v1::StartJobRequest& request,
                            v1::StartJobResponse* response) {
  return Reply(registry.Start(request.job(), request.expected_total()),
               response);
}

absl::Status HandleFinishJob(JobRegistry& registry,
                             const v1::FinishJobRequest& request,
                             v1::FinishJobResponse* response) {
  return Reply(registry.Finish(request.job()), response);
}

}  // namespace progress
