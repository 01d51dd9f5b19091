// The exported C functions: argument checks, exception walls and status
// translation around ClientCore. Nothing C++ crosses this boundary.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "c_api_errors.h"
#include "client_core.h"
#include "fork_handlers.h"
#include "library_logger.h"
#include "progress/client.h"

struct progress_client {
  std::unique_ptr<progress::client::ClientCore> core;
};

namespace {

using progress::client::ClientCore;
using progress::client::Fail;
using progress::client::Guarded;
using progress::client::JobCounter;
using progress::client::Report;

// Set once the default client exists, so destroy can refuse it without
// creating it.
std::atomic<progress_client*> default_client{nullptr};

absl::Duration Millis(int64_t milliseconds) {
  return absl::Milliseconds(milliseconds < 0 ? 0 : milliseconds);
}

int64_t Nanos(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1'000'000'000 + time.nanos();
}

void Fill(const progress::v1::Job& job, progress_job_info* info) {
  info->success = job.success();
  info->failure = job.failure();
  info->expected_total = job.expected_total();
  info->created_time_ns =
      job.has_created_time() ? Nanos(job.created_time()) : 0;
  info->first_update_time_ns =
      job.has_first_update_time() ? Nanos(job.first_update_time()) : 0;
  info->last_update_time_ns =
      job.has_last_update_time() ? Nanos(job.last_update_time()) : 0;
  info->finish_time_ns = job.has_finish_time() ? Nanos(job.finish_time()) : 0;
  info->average_rate = job.average_rate();
  info->recent_rate = job.recent_rate();
  info->clients = job.clients();
  info->done = job.done() ? 1 : 0;
}

// NULL strings stay empty, so the environment fills them in.
void CopyTlsOptions(const progress_client_options& options,
                    progress::internal::TlsSettings* tls) {
  tls->tls = options.tls != 0;
  for (auto [from, to] : {std::pair{options.tls_ca_file, &tls->ca_file},
                          {options.tls_cert_file, &tls->cert_file},
                          {options.tls_key_file, &tls->key_file},
                          {options.tls_server_name, &tls->server_name}}) {
    if (from != nullptr) *to = from;
  }
}

// In a forked child: the default client gets a fresh id and a flusher of its
// own, over the same job handles. The inherited core is left as it is: its
// thread exists only in the parent.
void RenewDefaultClientInChild(bool grpc_usable) {
  progress_client* client = default_client.load();
  if (client == nullptr) return;
  ClientCore* inherited = client->core.release();
  client->core = ClientCore::RenewAfterFork(*inherited, grpc_usable);
}

constexpr const char* kNullClient = "client is NULL";
constexpr const char* kNullName = "job name is NULL";

}  // namespace

extern "C" {

void progress_client_options_init(progress_client_options* options) {
  if (options == nullptr) return;
  *options = progress_client_options{};
}

int progress_client_create(const progress_client_options* options,
                           progress_client** out) {
  if (out == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  return Guarded([&]() -> int {
    progress::client::CoreOptions core_options;
    if (options != nullptr) {
      if (options->target != nullptr) core_options.target = options->target;
      if (options->client_id != nullptr) {
        core_options.client_id = options->client_id;
      }
      core_options.flush_interval = Millis(options->flush_interval_ms);
      core_options.shutdown_timeout = Millis(options->shutdown_timeout_ms);
      core_options.forget_after = Millis(options->forget_after_ms);
      CopyTlsOptions(*options, &core_options.tls);
    }
    auto core = ClientCore::Create(std::move(core_options));
    if (!core.ok()) return Report(core.status());
    *out = new progress_client{std::move(*core)};
    return PROGRESS_OK;
  });
}

void progress_client_destroy(progress_client* client) {
  if (client == nullptr || client == default_client.load()) return;
  Guarded([&]() -> int {
    // A client inherited across fork() has no thread in this process to
    // stop: its core is left as it is.
    if (client->core->inherited()) client->core.release();
    delete client;
    return PROGRESS_OK;
  });
}

progress_client* progress_default_client(void) {
  if (progress_client* client =
          default_client.load(std::memory_order_acquire)) {
    return client;
  }
  // Made with fork() held off, so no child inherits it half made (or a lock
  // held by a thread it does not have); this also lets one thread make it.
  progress::client::ScopedForkBlock no_fork;
  if (progress_client* client =
          default_client.load(std::memory_order_acquire)) {
    return client;
  }
  progress::client::SetChildRenewal(&RenewDefaultClientInChild);
  auto* created = new progress_client{ClientCore::CreateDefault()};
  // Flush at normal exit. The object is never freed: other exit-time code
  // may still add to it, and adds must stay safe.
  std::atexit([] {
    ClientCore& core = *progress_default_client()->core;
    core.Shutdown(core.shutdown_timeout()).IgnoreError();
  });
  default_client.store(created, std::memory_order_release);
  return created;
}

const char* progress_client_id(const progress_client* client) {
  return client == nullptr ? "" : client->core->client_id().c_str();
}

const char* progress_client_target(const progress_client* client) {
  return client == nullptr ? "" : client->core->target().c_str();
}

int progress_client_job(progress_client* client, const char* name,
                        progress_job** out) {
  if (out == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  if (name == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullName);
  return Guarded([&]() -> int {
    absl::StatusOr<JobCounter*> counter = client->core->GetJob(name);
    if (!counter.ok()) return Report(counter.status());
    *out = reinterpret_cast<progress_job*>(*counter);
    return PROGRESS_OK;
  });
}

void progress_job_add_success(progress_job* job, uint64_t n) {
  if (job == nullptr) return;
  reinterpret_cast<JobCounter*>(job)->success.fetch_add(
      n, std::memory_order_relaxed);
}

void progress_job_add_failure(progress_job* job, uint64_t n) {
  if (job == nullptr) return;
  reinterpret_cast<JobCounter*>(job)->failure.fetch_add(
      n, std::memory_order_relaxed);
}

void progress_job_local_counts(const progress_job* job, uint64_t* success,
                               uint64_t* failure) {
  const auto* counter = reinterpret_cast<const JobCounter*>(job);
  if (success != nullptr) {
    *success = counter ? counter->success.load(std::memory_order_relaxed) : 0;
  }
  if (failure != nullptr) {
    *failure = counter ? counter->failure.load(std::memory_order_relaxed) : 0;
  }
}

int progress_client_flush(progress_client* client, int64_t timeout_ms) {
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  return Guarded(
      [&]() -> int { return Report(client->core->Flush(Millis(timeout_ms))); });
}

int progress_client_shutdown(progress_client* client, int64_t timeout_ms) {
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  return Guarded([&]() -> int {
    return Report(client->core->Shutdown(Millis(timeout_ms)));
  });
}

int progress_client_start_job(progress_client* client, const char* name,
                              uint64_t expected_total, int64_t timeout_ms) {
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  if (name == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullName);
  return Guarded([&]() -> int {
    return Report(
        client->core->StartJob(name, expected_total, Millis(timeout_ms))
            .status());
  });
}

int progress_client_finish_job(progress_client* client, const char* name,
                               int64_t timeout_ms) {
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  if (name == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullName);
  return Guarded([&]() -> int {
    return Report(client->core->FinishJob(name, Millis(timeout_ms)).status());
  });
}

int progress_client_get_counts(progress_client* client, const char* name,
                               int64_t timeout_ms, progress_job_info* out) {
  if (client == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullClient);
  if (name == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, kNullName);
  if (out == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, "out is NULL");
  return Guarded([&]() -> int {
    absl::StatusOr<progress::v1::Job> job =
        client->core->GetCounts(name, Millis(timeout_ms));
    if (!job.ok()) return Report(job.status());
    Fill(*job, out);
    return PROGRESS_OK;
  });
}

int progress_set_log_level(const char* level) {
  if (level == nullptr) return Fail(PROGRESS_INVALID_ARGUMENT, "level is NULL");
  return Guarded(
      [&]() -> int { return Report(progress::client::SetLogLevel(level)); });
}

const char* progress_last_error(void) { return progress::client::LastError(); }

const char* progress_status_name(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  if (code < 0 || code > PROGRESS_UNAUTHENTICATED) return "UNKNOWN_CODE";
  return kNames[code];
}

}  // extern "C"
