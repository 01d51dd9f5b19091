#include "client_core.h"

#include <grpcpp/support/channel_arguments.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"
#include "names.h"

namespace progress::client {
namespace {

constexpr char kDefaultTarget[] = "127.0.0.1:50051";
constexpr char kTargetEnv[] = "PROGRESS_TRACKER_ADDRESS";
// Entries per Increment message, so a client with very many jobs never builds
// a message near the daemon's size limit.
constexpr size_t kMaxEntriesPerMessage = 1000;
// Bounds one confirmation round when no Shutdown deadline applies.
constexpr absl::Duration kConfirmTimeout = absl::Seconds(10);

using ::progress::internal::FromGrpcStatus;

// Refusals that resending the same job will not cure: the daemon judged the
// job itself (its name, the job limit) or its values.
bool IsRefusal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsResourceExhausted(status) ||
         absl::IsOutOfRange(status);
}

}  // namespace

std::string RandomClientId() {
  std::random_device device;
  std::mt19937_64 generator((static_cast<uint64_t>(device()) << 32) ^ device() ^
                            absl::ToUnixNanos(absl::Now()));
  return absl::StrFormat("%016x", generator());
}

absl::StatusOr<std::unique_ptr<ClientCore>> ClientCore::Create(
    CoreOptions options) {
  if (options.target.empty()) {
    const char* from_env = std::getenv(kTargetEnv);
    options.target =
        from_env != nullptr && *from_env != '\0' ? from_env : kDefaultTarget;
  }
  if (options.client_id.empty()) options.client_id = RandomClientId();
  if (absl::Status valid =
          ValidateName("client id", options.client_id, kMaxClientIdBytes);
      !valid.ok()) {
    return valid;
  }
  if (options.flush_interval <= absl::ZeroDuration()) {
    options.flush_interval = absl::Milliseconds(100);
  }
  if (options.shutdown_timeout <= absl::ZeroDuration()) {
    options.shutdown_timeout = absl::Seconds(2);
  }
  return std::unique_ptr<ClientCore>(new ClientCore(std::move(options)));
}

ClientCore::ClientCore(CoreOptions options)
    : options_(std::move(options)), backoff_(options_.min_backoff) {
  grpc::ChannelArguments args;
  // Notice a daemon that vanished without closing the connection.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // A restarted daemon sees its clients back within about our own backoff.
  channel_ = internal::DaemonChannel(options_.target, options_.max_backoff,
                                     std::move(args));
  stub_ = v1::ProgressTracker::NewStub(channel_);
  flusher_ = std::thread(&ClientCore::FlusherLoop, this);
}

ClientCore::~ClientCore() { Shutdown(options_.shutdown_timeout).IgnoreError(); }

absl::StatusOr<JobCounter*> ClientCore::GetJob(absl::string_view job) {
  if (absl::Status valid =
          ValidateName("job name", job, kDefaultMaxJobNameBytes);
      !valid.ok()) {
    return valid;
  }
  absl::MutexLock lock(&jobs_mu_);
  auto it = jobs_by_name_.find(job);
  if (it != jobs_by_name_.end()) return it->second;
  jobs_.push_back(std::make_unique<JobCounter>(std::string(job)));
  JobCounter* counter = jobs_.back().get();
  jobs_by_name_.emplace(counter->name, counter);
  return counter;
}

absl::Status ClientCore::Flush(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&flush_mu_);
  if (stopping_) {
    return absl::FailedPreconditionError("the progress client is shut down");
  }
  const uint64_t ticket = ++flush_requested_;
  auto confirmed = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flush_mu_) {
    return flush_confirmed_ >= ticket || stopped_;
  };
  flush_mu_.AwaitWithDeadline(absl::Condition(&confirmed), deadline);
  if (flush_confirmed_ >= ticket) return refused_;
  return absl::DeadlineExceededError(absl::StrCat(
      "progressd at ", options_.target, " did not confirm the flush within ",
      absl::FormatDuration(timeout),
      last_error_.ok() ? "" : "; last error: " + last_error_.ToString()));
}

absl::Status ClientCore::Shutdown(absl::Duration timeout) {
  {
    absl::MutexLock lock(&flush_mu_);
    if (stopping_) {
      flush_mu_.Await(absl::Condition(&stopped_));
      return shutdown_status_;
    }
    stopping_ = true;
    stop_deadline_ = absl::Now() + timeout;
  }
  if (!flusher_done_.WaitForNotificationWithTimeout(timeout)) {
    // The final flush is stuck in a call (e.g. a daemon that stopped
    // reading): cancel it rather than hang the process.
    absl::MutexLock lock(&context_mu_);
    cancel_all_ = true;
    if (active_context_ != nullptr) active_context_->TryCancel();
  }
  flusher_.join();
  absl::MutexLock lock(&flush_mu_);
  stopped_ = true;
  return shutdown_status_;
}

void ClientCore::FlusherLoop() {
  absl::Time next_periodic = absl::Now() + options_.flush_interval;
  while (true) {
    bool stopping = false;
    bool confirm_due = false;
    uint64_t target_ticket = 0;
    absl::Time stop_deadline;
    {
      absl::MutexLock lock(&flush_mu_);
      const bool pending = flush_requested_ > flush_confirmed_;
      const absl::Time wake_at =
          pending ? std::max(next_attempt_, absl::Now()) : next_periodic;
      const uint64_t seen = flush_requested_;
      auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flush_mu_) {
        return stopping_ || flush_requested_ > seen;
      };
      flush_mu_.AwaitWithDeadline(absl::Condition(&woken), wake_at);
      stopping = stopping_;
      stop_deadline = stop_deadline_;
      target_ticket = flush_requested_;
      confirm_due =
          flush_requested_ > flush_confirmed_ && absl::Now() >= next_attempt_;
    }

    if (stopping) {
      const absl::Status final_flush = Confirm(stop_deadline);
      absl::MutexLock lock(&flush_mu_);
      if (final_flush.ok()) {
        flush_confirmed_ = target_ticket;
        shutdown_status_ = refused_;
      } else {
        shutdown_status_ = absl::Status(
            final_flush.code(),
            absl::StrCat("final flush to progressd at ", options_.target,
                         " failed: ", final_flush.message()));
      }
      break;
    }
    if (confirm_due) {
      const absl::Status confirmed = Confirm(absl::Now() + kConfirmTimeout);
      absl::MutexLock lock(&flush_mu_);
      if (confirmed.ok()) {
        flush_confirmed_ = target_ticket;
      } else {
        last_error_ = confirmed;
      }
      continue;
    }
    const absl::Time now = absl::Now();
    if (now >= next_periodic) {
      next_periodic = now + options_.flush_interval;
      if (now >= next_attempt_) {
        const absl::Status sent = SendChanged();
        if (!sent.ok()) {
          absl::MutexLock lock(&flush_mu_);
          last_error_ = sent;
        }
      }
    }
  }
  CloseStream().IgnoreError();
  flusher_done_.Notify();
}

std::vector<ClientCore::Entry> ClientCore::TakeEntries(bool changed_only) {
  std::vector<Entry> entries;
  absl::MutexLock lock(&jobs_mu_);
  for (const auto& counter : jobs_) {
    if (counter->rejected.load(std::memory_order_relaxed)) continue;
    const uint64_t success = counter->success.load(std::memory_order_relaxed);
    const uint64_t failure = counter->failure.load(std::memory_order_relaxed);
    const bool nothing_to_send = changed_only
                                     ? success == counter->sent_success &&
                                           failure == counter->sent_failure
                                     : success == 0 && failure == 0;
    if (!nothing_to_send) entries.push_back({counter.get(), success, failure});
  }
  return entries;
}

std::vector<v1::IncrementRequest> ClientCore::ToMessages(
    const std::vector<Entry>& entries, bool with_client_id) const {
  std::vector<v1::IncrementRequest> messages;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i % kMaxEntriesPerMessage == 0) {
      messages.emplace_back();
      if (with_client_id && i == 0) {
        messages.back().set_client_id(options_.client_id);
      }
    }
    v1::JobCounts* counts = messages.back().add_jobs();
    counts->set_job(entries[i].counter->name);
    counts->set_success(entries[i].success);
    counts->set_failure(entries[i].failure);
  }
  return messages;
}

std::unique_ptr<grpc::ClientContext> ClientCore::NewContext(
    absl::Time deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteFuture()) {
    context->set_deadline(absl::ToChronoTime(deadline));
  }
  absl::MutexLock lock(&context_mu_);
  active_context_ = context.get();
  if (cancel_all_) context->TryCancel();
  return context;
}

void ClientCore::ReleaseContext(std::unique_ptr<grpc::ClientContext> context) {
  absl::MutexLock lock(&context_mu_);
  if (active_context_ == context.get()) active_context_ = nullptr;
  context.reset();
}

absl::Status ClientCore::SendChanged() {
  const bool fresh = stream_ == nullptr;
  // A fresh stream (first, or after a reconnect) carries every job's values:
  // the daemon may have restarted and forgotten us.
  const std::vector<Entry> entries = TakeEntries(/*changed_only=*/!fresh);
  if (entries.empty()) return absl::OkStatus();
  if (fresh) {
    stream_context_ = NewContext(absl::InfiniteFuture());
    stream_response_ = std::make_unique<v1::IncrementResponse>();
    stream_ = stub_->Increment(stream_context_.get(), stream_response_.get());
  }
  for (const v1::IncrementRequest& message : ToMessages(entries, fresh)) {
    if (!stream_->Write(message)) {
      // Finish says why the stream broke.
      absl::Status broken = CloseStream();
      if (broken.ok()) broken = absl::UnavailableError("stream closed");
      NoteFailure(broken);
      if (IsRefusal(broken)) IsolateRefusedJobs(absl::Now() + kConfirmTimeout);
      return broken;
    }
  }
  for (const Entry& entry : entries) {
    entry.counter->sent_success = entry.success;
    entry.counter->sent_failure = entry.failure;
  }
  NoteSuccess();
  return absl::OkStatus();
}

absl::Status ClientCore::CloseStream() {
  if (stream_ == nullptr) return absl::OkStatus();
  stream_->WritesDone();
  const absl::Status status = FromGrpcStatus(stream_->Finish());
  stream_.reset();
  stream_response_.reset();
  ReleaseContext(std::move(stream_context_));
  return status;
}

absl::Status ClientCore::SendAndClose(const std::vector<Entry>& entries,
                                      absl::Time deadline,
                                      v1::IncrementResponse* response) {
  std::unique_ptr<grpc::ClientContext> context = NewContext(deadline);
  auto writer = stub_->Increment(context.get(), response);
  for (const v1::IncrementRequest& message : ToMessages(entries, true)) {
    if (!writer->Write(message)) break;  // Finish says why.
  }
  writer->WritesDone();
  const absl::Status status = FromGrpcStatus(writer->Finish());
  writer.reset();
  ReleaseContext(std::move(context));
  return status;
}

absl::Status ClientCore::Confirm(absl::Time deadline) {
  // The long-lived stream is closed first so the confirming stream is the
  // only one carrying this client's values.
  CloseStream().IgnoreError();
  const std::vector<Entry> entries = TakeEntries(/*changed_only=*/false);
  if (entries.empty()) return absl::OkStatus();

  v1::IncrementResponse response;
  const absl::Status status = SendAndClose(entries, deadline, &response);
  if (!status.ok()) {
    NoteFailure(status);
    if (IsRefusal(status)) IsolateRefusedJobs(deadline);
    return status;
  }
  absl::flat_hash_map<std::string, const v1::JobCounts*> recorded;
  for (const v1::JobCounts& counts : response.recorded()) {
    recorded[counts.job()] = &counts;
  }
  for (const Entry& entry : entries) {
    auto it = recorded.find(entry.counter->name);
    if (it == recorded.end() || it->second->success() < entry.success ||
        it->second->failure() < entry.failure) {
      const absl::Status short_reply = absl::InternalError(
          absl::StrCat("progressd did not record the counts sent for job '",
                       entry.counter->name, "'"));
      NoteFailure(short_reply);  // Retry at the backoff's pace, not at once.
      return short_reply;
    }
  }
  NoteSuccess();
  return absl::OkStatus();
}

void ClientCore::IsolateRefusedJobs(absl::Time deadline) {
  for (const Entry& entry : TakeEntries(/*changed_only=*/false)) {
    v1::IncrementResponse response;
    const absl::Status status = SendAndClose({entry}, deadline, &response);
    if (status.ok()) continue;
    if (!IsRefusal(status)) return;  // The daemon went away; try later.
    entry.counter->rejected.store(true, std::memory_order_relaxed);
    spdlog::error(
        "progress client: progressd at {} refuses job '{}' ({}); its counts "
        "will not be sent",
        options_.target, entry.counter->name, status.ToString());
    absl::MutexLock lock(&flush_mu_);
    refused_ =
        absl::Status(status.code(), absl::StrCat("progressd refuses job '",
                                                 entry.counter->name,
                                                 "': ", status.message()));
  }
}

void ClientCore::NoteFailure(const absl::Status& status) {
  if (healthy_) {
    healthy_ = false;
    spdlog::warn(
        "progress client {}: cannot reach progressd at {} ({}); counting "
        "locally and retrying",
        options_.client_id, options_.target, status.ToString());
  }
  next_attempt_ = absl::Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

void ClientCore::NoteSuccess() {
  if (!healthy_) {
    healthy_ = true;
    spdlog::info("progress client {}: reconnected to progressd at {}",
                 options_.client_id, options_.target);
  }
  backoff_ = options_.min_backoff;
  next_attempt_ = absl::InfinitePast();
}

namespace {

// One unary job call (StartJob, FinishJob, GetCounts) with a deadline; every
// one of them answers with the job.
template <typename Request, typename Response>
absl::StatusOr<v1::Job> CallForJob(
    v1::ProgressTracker::Stub& stub,
    grpc::Status (v1::ProgressTracker::Stub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
    const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Response response;
  const absl::Status status =
      FromGrpcStatus((stub.*method)(&context, request, &response));
  if (!status.ok()) return status;
  return response.job();
}

}  // namespace

absl::StatusOr<v1::Job> ClientCore::StartJob(absl::string_view job,
                                             uint64_t expected_total,
                                             absl::Duration timeout) {
  v1::StartJobRequest request;
  request.set_job(std::string(job));
  request.set_expected_total(expected_total);
  return CallForJob(*stub_, &v1::ProgressTracker::Stub::StartJob, request,
                    timeout);
}

absl::StatusOr<v1::Job> ClientCore::FinishJob(absl::string_view job,
                                              absl::Duration timeout) {
  v1::FinishJobRequest request;
  request.set_job(std::string(job));
  return CallForJob(*stub_, &v1::ProgressTracker::Stub::FinishJob, request,
                    timeout);
}

absl::StatusOr<v1::Job> ClientCore::GetCounts(absl::string_view job,
                                              absl::Duration timeout) {
  v1::GetCountsRequest request;
  request.set_job(std::string(job));
  return CallForJob(*stub_, &v1::ProgressTracker::Stub::GetCounts, request,
                    timeout);
}

}  // namespace progress::client
