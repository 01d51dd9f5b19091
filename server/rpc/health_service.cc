#include "rpc/health_service.h"

#include <string>

namespace progress {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch call. At most one write is in flight (the callback API's rule);
// a change that comes meanwhile replaces the one waiting to go, since a
// watcher wants the latest status, not the history. Decisions are made under
// the lock and gRPC is called outside it. Deletes itself once gRPC is done
// with the call.
class HealthService::Watcher final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService* service, bool known)
      : service_(service), known_(known) {}

  // Whether it watches a service the daemon has (others never change).
  bool known() const { return known_; }

  void Send(ServingStatus status) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (finishing_) return;
      if (writing_) {
        pending_ = status;
        has_pending_ = true;
        return;
      }
      writing_ = true;
      response_.set_status(status);
    }
    StartWrite(&response_);
  }

  void End(const grpc::Status& status) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (finishing_) return;
      finishing_ = true;
      end_status_ = status;
      // A write in flight finishes the call when it is done.
      if (writing_) return;
    }
    Finish(status);
  }

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    grpc::Status finish_with;
    bool write_next = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !finishing_) {
        finishing_ = true;  // the client has gone
        end_status_ = grpc::Status::CANCELLED;
      }
      // A change that came during the write goes out even when the call is
      // ending: the last status is the one a watcher must hear.
      if (ok && has_pending_) {
        has_pending_ = false;
        writing_ = write_next = true;
        response_.set_status(pending_);
      } else if (!finishing_) {
        return;
      }
      finish_with = end_status_;
    }
    if (write_next) {
      StartWrite(&response_);
    } else {
      Finish(finish_with);
    }
  }

  void OnCancel() override { End(grpc::Status::CANCELLED); }

  void OnDone() override {
    service_->Forget(this);
    delete this;
  }

 private:
  HealthService* const service_;
  const bool known_;
  absl::Mutex mu_;
  HealthCheckResponse response_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  ServingStatus pending_ ABSL_GUARDED_BY(mu_) = HealthCheckResponse::UNKNOWN;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
};

HealthService::~HealthService() {
  EndWatches();
  absl::MutexLock lock(&mu_);
  while (!watchers_.empty()) no_watchers_.Wait(&mu_);
}

bool HealthService::Knows(const std::string& service) {
  return service.empty() || service == "progress.v1.ProgressTracker";
}

HealthService::ServingStatus HealthService::StatusLocked() const {
  return serving_ ? HealthCheckResponse::SERVING
                  : HealthCheckResponse::NOT_SERVING;
}

void HealthService::ReportNotServing() {
  absl::MutexLock lock(&mu_);
  if (!serving_) return;
  serving_ = false;
  for (Watcher* watcher : watchers_) {
    if (watcher->known()) watcher->Send(StatusLocked());
  }
}

void HealthService::EndWatches() {
  absl::MutexLock lock(&mu_);
  watches_ended_ = true;
  for (Watcher* watcher : watchers_) watcher->End(grpc::Status::OK);
}

void HealthService::Forget(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
  if (watchers_.empty()) no_watchers_.SignalAll();
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Knows(request->service())) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     "unknown service '" + request->service() + "'"));
    return reactor;
  }
  {
    absl::MutexLock lock(&mu_);
    response->set_status(StatusLocked());
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext*, const HealthCheckRequest* request) {
  const bool known = Knows(request->service());
  auto* watcher = new Watcher(this, known);
  // Every watcher is kept, the ones of unknown services too, so that
  // EndWatches() can end them all. gRPC calls back on other threads, never
  // inside these calls, so holding mu_ here is safe.
  absl::MutexLock lock(&mu_);
  watchers_.insert(watcher);
  watcher->Send(known ? StatusLocked() : HealthCheckResponse::SERVICE_UNKNOWN);
  if (watches_ended_) watcher->End(grpc::Status::OK);
  return watcher;
}

}  // namespace progress
