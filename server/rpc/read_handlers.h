#ifndef PROGRESS_SERVER_RPC_READ_HANDLERS_H_
#define PROGRESS_SERVER_RPC_READ_HANDLERS_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "progress/v1/progress.pb.h"
#include "registry/job_registry.h"

namespace progress {

// The unary RPCs (reads and job control) as plain functions of the registry:
// the gRPC call classes only move messages in and out of these.

// Fills `job` from a snapshot.
void ToProto(const JobSnapshot& snapshot, v1::Job* job);

// The default and the largest ListJobs page.
inline constexpr size_t kDefaultPageSize = 100;
inline constexpr size_t kMaxPageSize = 1000;

// `requested` within the bounds above: 0 means the default.
inline size_t ClampPageSize(uint32_t requested) {
  return requested == 0 ? kDefaultPageSize
                        : std::min<size_t>(requested, kMaxPageSize);
}

// The page size a ListJobs request asks for, within the bounds above; or
// INVALID_ARGUMENT for a page token that is no job name we could have
// returned. Shared with the read server (replica/), which answers alike.
absl::StatusOr<size_t> ListJobsPageSize(const v1::ListJobsRequest& request,
                                        size_t max_job_name_bytes);

absl::Status HandleGetCounts(JobRegistry& registry,
                             const v1::GetCountsRequest& request,
                             v1::GetCountsResponse* response);
absl::Status HandleListJobs(JobRegistry& registry,
                            const v1::ListJobsRequest& request,
                            v1::ListJobsResponse* response);
absl::Status HandleStartJob(JobRegistry& registry,
                            const v1::StartJobRequest& request,
                            v1::StartJobResponse* response);
absl::Status HandleFinishJob(JobRegistry& registry,
                             const v1::FinishJobRequest& request,
                             v1::FinishJobResponse* response);

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_READ_HANDLERS_H_
