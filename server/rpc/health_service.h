#ifndef PROGRESS_SERVER_RPC_HEALTH_SERVICE_H_
#define PROGRESS_SERVER_RPC_HEALTH_SERVICE_H_

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace progress {

// grpc.health.v1 for the daemon, for probes, load balancers and
// `progress-reporter --check`. gRPC's built-in service cannot end its Watch
// streams, so one watcher that never hangs up would hold every shutdown for
// the whole grace; this one ends them when told to.
//
// Knows the server ("") and "progress.v1.ProgressTracker": SERVING until
// ReportNotServing(). Runs on gRPC's callback threads, apart from the write
// and read queues. Thread-safe.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  HealthService() = default;
  ~HealthService() override;

  // Every known service turns NOT_SERVING, for Check and at once for every
  // open Watch. There is no way back: only shutdown does this.
  void ReportNotServing();

  // Ends every open Watch, and any that starts later, so the server's
  // shutdown need not wait for watchers. They end with OK, not an error: a
  // client may drop messages it has not read yet when a call fails, and the
  // last status sent (NOT_SERVING) must reach it.
  void EndWatches();

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;

  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  static bool Knows(const std::string& service);
  ServingStatus StatusLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Forget(Watcher* watcher);

  absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  bool watches_ended_ ABSL_GUARDED_BY(mu_) = false;
  // Every open Watch.
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
  // Set once no watcher is left; the destructor waits for it.
  absl::CondVar no_watchers_;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_HEALTH_SERVICE_H_
