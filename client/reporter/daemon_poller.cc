#include "daemon_poller.h"

#include <grpcpp/client_context.h>

#include <atomic>
#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "daemon_channel.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::reporter {
namespace {

using ::progress::internal::FromGrpcStatus;

// `status` with the call it came from in front of its message, so an error
// log says which request the daemon refused.
absl::Status FromCall(const grpc::Status& grpc_status, absl::string_view call) {
  const absl::Status status = FromGrpcStatus(grpc_status);
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      status.message().empty()
                          ? std::string(call)
                          : absl::StrCat(call, ": ", status.message()));
}

// One daemon's part of a poll: its calls run on gRPC's callback threads,
// and the last one to end fills the answer and counts the daemon done. After
// that nothing here is touched by those threads again.
class DaemonPoll {
 public:
  DaemonPoll(const DaemonSet::Daemon& daemon,
             const std::vector<std::string>& jobs, absl::Time deadline,
             absl::BlockingCounter* done)
      : stub_(v1::ProgressTracker::NewStub(daemon.channel)),
        jobs_(jobs),
        deadline_(deadline),
        done_(done) {
    answer_.daemon = daemon.address.target;
  }

  void Start() {
    if (jobs_.empty()) {
      ListPage();
      return;
    }
    lookups_left_.store(jobs_.size());
    for (const std::string& name : jobs_) {
      Lookup& lookup = lookups_.emplace_back();
      lookup.context.set_deadline(absl::ToChronoTime(deadline_));
      lookup.request.set_job(name);
      stub_->async()->GetCounts(&lookup.context, &lookup.request,
                                &lookup.response,
                                [this, &lookup](grpc::Status s) {
                                  lookup.status = std::move(s);
                                  if (lookups_left_.fetch_sub(1) == 1) {
                                    OnLookupsDone();
                                  }
                                });
    }
  }

  // Valid once the counter given to the constructor reached zero.
  DaemonAnswer& answer() { return answer_; }

 private:
  struct Lookup {
    grpc::ClientContext context;
    v1::GetCountsRequest request;
    v1::GetCountsResponse response;
    grpc::Status status;
  };

  // ListJobs pages follow one another: each asks from where the last ended.
  void ListPage() {
    list_context_ = std::make_unique<grpc::ClientContext>();
    list_context_->set_deadline(absl::ToChronoTime(deadline_));
    stub_->async()->ListJobs(list_context_.get(), &list_request_,
                             &list_response_,
                             [this](grpc::Status s) { OnPage(s); });
  }

  void OnPage(const grpc::Status& grpc_status) {
    answer_.status = FromCall(grpc_status, "ListJobs");
    if (answer_.status.ok()) {
      for (v1::Job& job : *list_response_.mutable_jobs()) {
        answer_.jobs.push_back(std::move(job));
      }
      if (!list_response_.next_page_token().empty()) {
        list_request_.set_page_token(list_response_.next_page_token());
        ListPage();
        return;
      }
    } else {
      answer_.jobs.clear();
    }
    done_->DecrementCount();
  }

  void OnLookupsDone() {
    for (Lookup& lookup : lookups_) {
      absl::Status status = FromCall(
          lookup.status, absl::StrCat("GetCounts(", lookup.request.job(), ")"));
      if (absl::IsNotFound(status)) continue;  // Not on this daemon (yet).
      if (!status.ok()) {
        answer_.status = std::move(status);
        answer_.jobs.clear();
        break;
      }
      answer_.jobs.push_back(std::move(*lookup.response.mutable_job()));
    }
    done_->DecrementCount();
  }

  const std::unique_ptr<v1::ProgressTracker::Stub> stub_;
  const std::vector<std::string>& jobs_;
  const absl::Time deadline_;
  absl::BlockingCounter* const done_;
  // A deque: a Lookup holds a ClientContext, which cannot move.
  std::deque<Lookup> lookups_;
  std::atomic<size_t> lookups_left_{0};
  std::unique_ptr<grpc::ClientContext> list_context_;
  v1::ListJobsRequest list_request_;
  v1::ListJobsResponse list_response_;
  DaemonAnswer answer_;
};

}  // namespace

bool IsUnreachable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsCancelled(status);
}

std::vector<DaemonAnswer> PollDaemons(const DaemonSet::Resolution& daemons,
                                      const std::vector<std::string>& jobs,
                                      absl::Time deadline) {
  absl::BlockingCounter done(static_cast<int>(daemons.daemons.size()));
  std::deque<DaemonPoll> polls;
  for (const DaemonSet::Daemon& daemon : daemons.daemons) {
    polls.emplace_back(daemon, jobs, deadline, &done);
  }
  for (DaemonPoll& poll : polls) poll.Start();
  if (!polls.empty()) done.Wait();
  std::vector<DaemonAnswer> answers;
  answers.reserve(polls.size() + daemons.unresolved.size());
  for (DaemonPoll& poll : polls) answers.push_back(std::move(poll.answer()));
  for (const DaemonSet::Unresolved& unresolved : daemons.unresolved) {
    answers.push_back({unresolved.server, unresolved.status, {}});
  }
  return answers;
}

}  // namespace progress::reporter
