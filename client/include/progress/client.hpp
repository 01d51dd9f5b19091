// progress-tracker client for C++: a header-only wrapper over
// <progress/client.h>.
//
// Everything here compiles into the caller, so std::string and friends never
// cross into the library: any standard library ABI works.
//
// clang-format off
//   progress::Client& client = progress::Client::Default();
//   progress::Job job = client.GetJob("nightly-etl");  // once
//   job.AddSuccess(batch_ok);                           // per batch:
//   job.AddFailure(batch_failed);                       //   an atomic add
//   client.Flush(std::chrono::seconds(5));              // end of task, if needed
// clang-format on
//
// Threading: Client and Job are thread-safe. Job is a cheap handle, valid while
// its Client lives.
#ifndef PROGRESS_CLIENT_HPP_
#define PROGRESS_CLIENT_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "progress/client.h"

namespace progress {

// The result of a call: a gRPC canonical code and, when not OK, why.
class Status {
 public:
  Status() = default;
  Status(int code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == PROGRESS_OK; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const {
    if (ok()) return "OK";
    return std::string(progress_status_name(code_)) + ": " + message_;
  }

 private:
  int code_ = PROGRESS_OK;
  std::string message_;
};

namespace internal {
inline Status FromCode(int code) {
  if (code == PROGRESS_OK) return Status();
  return Status(code, progress_last_error());
}
inline int64_t Millis(std::chrono::milliseconds duration) {
  return static_cast<int64_t>(duration.count());
}
}  // namespace internal

// One job's counters on a client. Adding is thread-safe, lock-free and never
// blocks or throws. A Job from a failed GetJob() is invalid and ignores adds.
class Job {
 public:
  Job() = default;

  void AddSuccess(uint64_t n = 1) noexcept {
    progress_job_add_success(job_, n);
  }
  void AddFailure(uint64_t n = 1) noexcept {
    progress_job_add_failure(job_, n);
  }

  bool valid() const { return job_ != nullptr; }
  // Why the job is invalid; OK for a valid job.
  const Status& status() const { return status_; }

  // What this client has counted for the job so far.
  uint64_t local_success() const {
    uint64_t success = 0, failure = 0;
    progress_job_local_counts(job_, &success, &failure);
    return success;
  }
  uint64_t local_failure() const {
    uint64_t success = 0, failure = 0;
    progress_job_local_counts(job_, &success, &failure);
    return failure;
  }

 private:
  friend class Client;
  Job(progress_job* job, Status status)
      : job_(job), status_(std::move(status)) {}
  progress_job* job_ = nullptr;
  Status status_;
};

// A job as the daemon sums it over all clients.
using JobInfo = progress_job_info;

// Sets the level of the library's stderr logger ("trace" ... "off").
inline Status SetLogLevel(const std::string& level) {
  return internal::FromCode(progress_set_log_level(level.c_str()));
}

struct ClientOptions {
  // host:port; empty: $PROGRESS_TRACKER_ADDRESS, else 127.0.0.1:50051.
  std::string target;
  // Empty: a random id, the usual choice.
  std::string client_id;
  std::chrono::milliseconds flush_interval{100};
  std::chrono::milliseconds shutdown_timeout{2000};
  // TLS; each empty or false field falls back to its PROGRESS_TRACKER_TLS*
  // environment variable (see progress_client_options in client.h).
  bool tls = false;             // TLS with gRPC's roots when no CA file
  std::string tls_ca_file;      // PEM CA the daemon's certificate is from
  std::string tls_cert_file;    // PEM client certificate, for mTLS
  std::string tls_key_file;     // its key
  std::string tls_server_name;  // name in the daemon's certificate
  // A job confirmed by the daemon and unchanged this long is no longer
  // resent after a reconnect or in the final flush, until it changes (see
  // progress_client_options in client.h).
  std::chrono::milliseconds forget_after = std::chrono::minutes(10);
};

// A connection to progressd with one background flusher thread. Destroying it
// does a final flush bounded by shutdown_timeout.
class Client {
 public:
  // Check status() after constructing: a malformed client id, or a TLS file
  // that cannot be read, fails.
  explicit Client(const ClientOptions& options = ClientOptions()) {
    progress_client_options raw;
    progress_client_options_init(&raw);
    raw.target = options.target.c_str();
    raw.client_id = options.client_id.c_str();
    raw.flush_interval_ms = internal::Millis(options.flush_interval);
    raw.shutdown_timeout_ms = internal::Millis(options.shutdown_timeout);
    raw.tls = options.tls ? 1 : 0;
    raw.tls_ca_file = options.tls_ca_file.c_str();
    raw.tls_cert_file = options.tls_cert_file.c_str();
    raw.tls_key_file = options.tls_key_file.c_str();
    raw.tls_server_name = options.tls_server_name.c_str();
    raw.forget_after_ms = internal::Millis(options.forget_after);
    status_ = internal::FromCode(progress_client_create(&raw, &client_));
  }
  ~Client() {
    if (owned_ && client_ != nullptr) progress_client_destroy(client_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The process-wide client (see progress_default_client()); renewed in a
  // forked child.
  static Client& Default() {
    static Client* client = new Client(progress_default_client());
    return *client;
  }

  const Status& status() const { return status_; }
  std::string id() const { return client_ ? progress_client_id(client_) : ""; }
  std::string target() const {
    return client_ ? progress_client_target(client_) : "";
  }

  // Look a job up once and keep the handle; this call takes a lock.
  Job GetJob(const std::string& name) {
    if (client_ == nullptr) return Job(nullptr, status_);
    progress_job* job = nullptr;
    const int code = progress_client_job(client_, name.c_str(), &job);
    return Job(job, internal::FromCode(code));
  }

  // OK once the daemon holds everything this thread added before the call.
  Status Flush(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return internal::FromCode(
        progress_client_flush(client_, internal::Millis(timeout)));
  }
  // The final flush: keeps trying until `timeout`, then says what was not
  // confirmed. Idempotent.
  Status Shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
    return internal::FromCode(
        progress_client_shutdown(client_, internal::Millis(timeout)));
  }

  Status StartJob(const std::string& name, uint64_t expected_total = 0,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return internal::FromCode(progress_client_start_job(
        client_, name.c_str(), expected_total, internal::Millis(timeout)));
  }
  Status FinishJob(const std::string& name, std::chrono::milliseconds timeout =
                                                std::chrono::seconds(5)) {
    return internal::FromCode(progress_client_finish_job(
        client_, name.c_str(), internal::Millis(timeout)));
  }
  Status GetCounts(
      const std::string& name, JobInfo* info,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return internal::FromCode(progress_client_get_counts(
        client_, name.c_str(), internal::Millis(timeout), info));
  }

 private:
  explicit Client(progress_client* shared) : client_(shared), owned_(false) {}

  progress_client* client_ = nullptr;
  bool owned_ = true;
  Status status_;
};

}  // namespace progress

#endif  // PROGRESS_CLIENT_HPP_
