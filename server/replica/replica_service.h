#ifndef PROGRESS_SERVER_REPLICA_REPLICA_SERVICE_H_
#define PROGRESS_SERVER_REPLICA_REPLICA_SERVICE_H_

// ProgressTracker as the read server process serves it: GetCounts and
// ListJobs from the published snapshot, answering as the daemon does; the
// calls that change something are refused with a pointer to --listen.
#include <cstddef>

#include "progress/v1/progress.grpc.pb.h"
#include "replica/replica_jobs.h"

namespace progress {

// On gRPC's callback API: its handlers run on the thread that read the
// request, with nothing handed between threads (the sync API's thread
// manager stalled a read for 100 ms about once a second here).
class ReplicaService final : public v1::ProgressTracker::CallbackService {
 public:
  ReplicaService(ReplicaJobs* jobs, size_t max_job_name_bytes)
      : jobs_(jobs), max_job_name_bytes_(max_job_name_bytes) {}

  grpc::ServerUnaryReactor* GetCounts(grpc::CallbackServerContext* context,
                                      const v1::GetCountsRequest* request,
                                      v1::GetCountsResponse* response) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsResponse* response) override;
  grpc::ServerReadReactor<v1::IncrementRequest>* Increment(
      grpc::CallbackServerContext* context,
      v1::IncrementResponse* response) override;
  grpc::ServerUnaryReactor* StartJob(grpc::CallbackServerContext* context,
                                     const v1::StartJobRequest* request,
                                     v1::StartJobResponse* response) override;
  grpc::ServerUnaryReactor* FinishJob(grpc::CallbackServerContext* context,
                                      const v1::FinishJobRequest* request,
                                      v1::FinishJobResponse* response) override;

 private:
  grpc::Status GetCountsStatus(const v1::GetCountsRequest& request,
                               v1::GetCountsResponse* response);
  grpc::Status ListJobsStatus(const v1::ListJobsRequest& request,
                              v1::ListJobsResponse* response);

  ReplicaJobs* const jobs_;
  const size_t max_job_name_bytes_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REPLICA_REPLICA_SERVICE_H_
