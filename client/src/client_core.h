#ifndef PROGRESS_CLIENT_SRC_CLIENT_CORE_H_
#define PROGRESS_CLIENT_SRC_CLIENT_CORE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::client {

// One job's counters in one client. Workers add to the atomics; only the
// flusher thread touches the rest. Aligned so two jobs never share a cache
// line between threads adding to them.
struct alignas(64) JobCounter {
  explicit JobCounter(std::string job_name) : name(std::move(job_name)) {}

  const std::string name;
  std::atomic<uint64_t> success{0};
  std::atomic<uint64_t> failure{0};

  // Flusher-owned: the values last written on the current stream.
  uint64_t sent_success = 0;
  uint64_t sent_failure = 0;
  // Set when the daemon refused the job for good (bad name for its limits,
  // too many jobs): the job is no longer sent and Flush reports it.
  std::atomic<bool> rejected{false};
};

struct CoreOptions {
  std::string target;
  std::string client_id;
  absl::Duration flush_interval = absl::Milliseconds(100);
  absl::Duration shutdown_timeout = absl::Seconds(2);
  // Reconnect backoff after a failed stream: doubles from min up to max.
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
};

// The engine behind the C API: job counters, and one flusher thread that
// sends cumulative counts on a long-lived Increment stream.
//
// Thread-safe. Client memory is O(jobs): counts are cumulative, so there is
// never a queue of pending updates, and a lost or repeated message is
// harmless.
class ClientCore {
 public:
  // INVALID_ARGUMENT for a malformed client id.
  static absl::StatusOr<std::unique_ptr<ClientCore>> Create(
      CoreOptions options);
  ~ClientCore();

  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  const std::string& client_id() const { return options_.client_id; }
  const std::string& target() const { return options_.target; }
  absl::Duration shutdown_timeout() const { return options_.shutdown_timeout; }

  // The counter of `job`, made on first use. INVALID_ARGUMENT for a bad name.
  absl::StatusOr<JobCounter*> GetJob(absl::string_view job);

  // OK once the daemon has confirmed it holds every job's count as of the
  // call; DEADLINE_EXCEEDED after `timeout`, saying why.
  absl::Status Flush(absl::Duration timeout);

  // A final confirmed flush bounded by `timeout`, then stops the flusher.
  // Idempotent: later calls return the first call's result.
  absl::Status Shutdown(absl::Duration timeout);

  absl::StatusOr<v1::Job> StartJob(absl::string_view job,
                                   uint64_t expected_total,
                                   absl::Duration timeout);
  absl::StatusOr<v1::Job> FinishJob(absl::string_view job,
                                    absl::Duration timeout);
  absl::StatusOr<v1::Job> GetCounts(absl::string_view job,
                                    absl::Duration timeout);

 private:
  // One job's values as taken for a message.
  struct Entry {
    JobCounter* counter;
    uint64_t success;
    uint64_t failure;
  };

  explicit ClientCore(CoreOptions options);

  void FlusherLoop();
  // Sends what changed since the last message on the open stream (opening
  // one, with every job's values, if needed).
  absl::Status SendChanged();
  // Sends every job's values on a fresh stream, closes it and checks the
  // daemon's reply covers them.
  absl::Status Confirm(absl::Time deadline);
  // After the daemon refused a stream outright, finds which jobs it refuses
  // by sending each alone, and stops sending those.
  void IsolateRefusedJobs(absl::Time deadline);

  // Each job's current values: all non-zero ones, or those changed since
  // they were last written on the open stream.
  std::vector<Entry> TakeEntries(bool changed_only);
  std::vector<v1::IncrementRequest> ToMessages(
      const std::vector<Entry>& entries, bool with_client_id) const;
  // One short stream: write `entries`, close, read the daemon's reply.
  absl::Status SendAndClose(const std::vector<Entry>& entries,
                            absl::Time deadline,
                            v1::IncrementResponse* response);
  absl::Status CloseStream();
  void NoteFailure(const absl::Status& status);
  void NoteSuccess();
  // A context registered as the one Shutdown cancels if it runs out of time.
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Time deadline);
  void ReleaseContext(std::unique_ptr<grpc::ClientContext> context);

  const CoreOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;

  absl::Mutex jobs_mu_;
  std::vector<std::unique_ptr<JobCounter>> jobs_ ABSL_GUARDED_BY(jobs_mu_);
  absl::flat_hash_map<std::string, JobCounter*> jobs_by_name_
      ABSL_GUARDED_BY(jobs_mu_);

  // Flush requests are numbered; the flusher confirms up to the newest.
  absl::Mutex flush_mu_;
  uint64_t flush_requested_ ABSL_GUARDED_BY(flush_mu_) = 0;
  uint64_t flush_confirmed_ ABSL_GUARDED_BY(flush_mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(flush_mu_);
  // Why a job was refused by the daemon for good; Flush reports it.
  absl::Status refused_ ABSL_GUARDED_BY(flush_mu_);
  absl::Time stop_deadline_ ABSL_GUARDED_BY(flush_mu_);
  bool stopping_ ABSL_GUARDED_BY(flush_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(flush_mu_) = false;
  absl::Status shutdown_status_ ABSL_GUARDED_BY(flush_mu_);

  // The context of the call the flusher is blocked in, so Shutdown can cancel
  // it once its timeout has passed.
  absl::Mutex context_mu_;
  grpc::ClientContext* active_context_ ABSL_GUARDED_BY(context_mu_) = nullptr;
  bool cancel_all_ ABSL_GUARDED_BY(context_mu_) = false;

  // Flusher-owned stream state.
  std::unique_ptr<grpc::ClientContext> stream_context_;
  std::unique_ptr<v1::IncrementResponse> stream_response_;
  std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> stream_;
  bool healthy_ = true;  // For logging state changes once.
  absl::Duration backoff_;
  absl::Time next_attempt_ = absl::InfinitePast();

  absl::Notification flusher_done_;
  std::thread flusher_;
};

// A random client id: 16 hex digits.
std::string RandomClientId();

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_CLIENT_CORE_H_
