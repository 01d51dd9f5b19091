#include "flusher.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "library_logger.h"

namespace progress::client {
namespace {

// A confirmation waits at least this long for the daemon, even for a Flush
// whose own timeout is shorter (its result is then only late, not lost).
constexpr absl::Duration kMinConfirmWait = absl::Seconds(1);
// The final flush's first attempt; each next one may wait twice as long, so
// a daemon that answers slowly still gets its chance before the deadline.
constexpr absl::Duration kFirstFinalAttempt = absl::Seconds(1);
// Between final attempts that failed fast (e.g. connection refused).
constexpr absl::Duration kFinalRetryPause = absl::Milliseconds(50);
// How long finding the refused jobs of a refused message may take.
constexpr absl::Duration kIsolateTimeout = absl::Seconds(10);
// How many jobs a report of unconfirmed counts names.
constexpr int kJobsNamed = 5;

// Refusals that resending the same job will not cure: the daemon judged the
// job itself (its name, a limit) or its values.
bool IsRefusal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsResourceExhausted(status) ||
         absl::IsOutOfRange(status);
}

// Failures that say the daemon could not be reached, not that it objected.
bool IsUnreachable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace

Flusher::Flusher(FlusherOptions options, JobTable* jobs, Connection* connection)
    : options_(std::move(options)),
      jobs_(jobs),
      connection_(connection),
      backoff_(options_.min_backoff) {}

Flusher::~Flusher() {
  if (thread_.joinable()) thread_.join();
}

void Flusher::Start() { thread_ = std::thread(&Flusher::Run, this); }

absl::Status Flusher::Flush(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  if (stop_requested_) {
    return absl::FailedPreconditionError("the progress client is shut down");
  }
  const uint64_t ticket = ++flush_requested_;
  flush_deadline_ = std::max(flush_deadline_, deadline);
  auto done = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return flush_confirmed_ >= ticket || stopped_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
  if (flush_confirmed_ >= ticket) {
    if (unreported_refusals_.empty()) return absl::OkStatus();
    absl::Status refused(
        refusal_code_, absl::StrCat("progressd refused ",
                                    absl::StrJoin(unreported_refusals_, "; ")));
    unreported_refusals_.clear();
    return refused;
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "progressd at ", connection_->target(),
      " did not confirm the flush within ", absl::FormatDuration(timeout),
      last_error_.ok() ? "" : "; last error: " + last_error_.ToString()));
}

absl::Status Flusher::Shutdown(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!stop_requested_) {
    stop_requested_ = true;
    stop_deadline_ = absl::Now() + timeout;
    // A confirmation waiting for the daemon gives way to the final flush,
    // which gets the whole timeout.
    connection_->CancelCalls();
  }
  // The final flush bounds its calls by the deadline; this is a backstop.
  if (!mu_.AwaitWithDeadline(absl::Condition(&stopped_),
                             stop_deadline_ + absl::Seconds(1))) {
    connection_->CancelCalls();
    mu_.Await(absl::Condition(&stopped_));
  }
  return shutdown_status_;
}

void Flusher::PrepareFork() {
  absl::MutexLock lock(&mu_);
  fork_pending_ = true;
  auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return parked_ || stopped_;
  };
  mu_.Await(absl::Condition(&quiet));
}

void Flusher::ResumeAfterFork() {
  absl::MutexLock lock(&mu_);
  fork_pending_ = false;
}

void Flusher::Run() {
  while (true) {
    switch (AwaitStep()) {
      case Step::kPark:
        Park();
        break;
      case Step::kConfirm:
        ConfirmRequested();
        break;
      case Step::kTick:
        Tick();
        break;
      case Step::kFinalFlush:
        FinalFlush();
        return;
    }
  }
}

Flusher::Step Flusher::AwaitStep() {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (fork_pending_) return Step::kPark;
    if (stop_requested_) return Step::kFinalFlush;
    const absl::Time now = absl::Now();
    const bool flush_pending = flush_requested_ > flush_confirmed_;
    if (flush_pending && now >= next_retry_) return Step::kConfirm;
    if (now >= next_tick_) return Step::kTick;
    const absl::Time wake =
        flush_pending ? std::min(next_tick_, next_retry_) : next_tick_;
    const uint64_t seen = flush_requested_;
    auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return fork_pending_ || stop_requested_ || flush_requested_ > seen;
    };
    mu_.AwaitWithDeadline(absl::Condition(&woken), wake);
  }
}

void Flusher::Park() {
  DropStream();
  absl::MutexLock lock(&mu_);
  parked_ = true;
  mu_.Await(absl::Condition(
      +[](bool* fork_pending) { return !*fork_pending; }, &fork_pending_));
  parked_ = false;
  // The parent's channel was dropped for the fork: reconnect at once.
  next_tick_ = absl::InfinitePast();
}

void Flusher::Tick() {
  const absl::Time now = absl::Now();
  if (stream_ == nullptr) {
    Reconnect();
    return;
  }
  if (now >= last_send_ + options_.flush_interval) {
    last_send_ = now;
    const std::vector<JobValues> changed =
        jobs_->Take(JobTable::Which::kChanged);
    if (!changed.empty()) WriteOnStream(changed);
  }
  if (stream_ != nullptr && now >= last_write_ + options_.keepalive_interval) {
    // An idle stream: make sure it still stands, so a restarted daemon is
    // noticed within about a second even when nothing changes.
    if (!connection_->StillReady()) {
      DropStream();
    } else if (stream_->WriteKeepalive()) {
      last_write_ = now;
    } else {
      StreamBroke();
    }
  }
  next_tick_ = stream_ != nullptr
                   ? std::min(last_send_ + options_.flush_interval,
                              last_write_ + options_.keepalive_interval)
                   : absl::Now();
}

void Flusher::Reconnect() {
  const absl::Time now = absl::Now();
  if (jobs_->Take(JobTable::Which::kAll).empty()) {
    next_tick_ = now + options_.flush_interval;  // Nothing to keep alive.
    return;
  }
  if (now < next_retry_) {
    next_tick_ = next_retry_;
    return;
  }
  // Waiting here is what drives gRPC's connection attempts; requests
  // (Flush, Shutdown, fork) are looked at between two waits.
  if (!connection_->AwaitReady(now + options_.reconnect_poll)) {
    if (connection_->Failing()) {
      NoteFailure(absl::UnavailableError("cannot connect"));
    }
    next_tick_ = absl::Now();
    return;
  }
  OpenStream();
  next_tick_ =
      stream_ != nullptr ? last_send_ + options_.flush_interval : absl::Now();
}

void Flusher::OpenStream() {
  absl::StatusOr<std::unique_ptr<IncrementStream>> stream =
      IncrementStream::Open(*connection_, options_.client_id,
                            absl::InfiniteFuture(), /*wait_for_ready=*/false);
  if (!stream.ok()) {
    NoteFailure(stream.status());
    return;
  }
  stream_ = *std::move(stream);
  // A new stream may reach a daemon that restarted and forgot this client:
  // it starts with every job's values.
  last_send_ = absl::Now();
  WriteOnStream(jobs_->Take(JobTable::Which::kAll));
}

void Flusher::WriteOnStream(const std::vector<JobValues>& values) {
  if (!stream_->Write(values)) {
    StreamBroke();
    return;
  }
  for (const JobValues& value : values) {
    value.counter->sent_success = value.success;
    value.counter->sent_failure = value.failure;
  }
  last_write_ = absl::Now();
  NoteSuccess();
}

void Flusher::StreamBroke() {
  std::unique_ptr<IncrementStream> broken = std::move(stream_);
  absl::Status status = broken->Close(nullptr);
  if (status.ok())
    status = absl::UnavailableError("progressd ended the stream");
  HandleFailure(status, absl::Now() + kIsolateTimeout);
}

void Flusher::DropStream() {
  if (stream_ == nullptr) return;
  stream_->Cancel();
  stream_.reset();
}

void Flusher::ConfirmRequested() {
  uint64_t target;
  absl::Time deadline;
  {
    absl::MutexLock lock(&mu_);
    target = flush_requested_;
    deadline = std::max(flush_deadline_, absl::Now() + kMinConfirmWait);
  }
  const absl::Status status = ConfirmAll(deadline);
  absl::MutexLock lock(&mu_);
  if (status.ok()) {
    flush_confirmed_ = std::max(flush_confirmed_, target);
    last_error_ = absl::OkStatus();
  } else {
    last_error_ = status;
  }
}

absl::Status Flusher::ConfirmAll(absl::Time deadline) {
  // The confirming stream carries everything; the long-lived one would only
  // race it with older values.
  DropStream();
  const std::vector<JobValues> all = jobs_->Take(JobTable::Which::kAll);
  if (all.empty()) return absl::OkStatus();

  v1::IncrementResponse response;
  absl::StatusOr<std::unique_ptr<IncrementStream>> stream =
      IncrementStream::Open(*connection_, options_.client_id, deadline,
                            /*wait_for_ready=*/true);
  absl::Status status = stream.status();
  if (stream.ok()) {
    (*stream)->Write(all);  // If it breaks, Close says why.
    status = (*stream)->Close(&response);
  }
  if (!status.ok()) {
    HandleFailure(status, deadline);
    return status;
  }
  absl::flat_hash_map<std::string, const v1::JobCounts*> recorded;
  for (const v1::JobCounts& counts : response.recorded()) {
    recorded[counts.job()] = &counts;
  }
  for (const JobValues& value : all) {
    auto it = recorded.find(value.counter->name);
    if (it == recorded.end() || it->second->success() < value.success ||
        it->second->failure() < value.failure) {
      status = absl::InternalError(
          absl::StrCat("progressd did not record the counts sent for job '",
                       value.counter->name, "'"));
      NoteFailure(status);
      return status;
    }
    value.counter->confirmed_success = it->second->success();
    value.counter->confirmed_failure = it->second->failure();
  }
  NoteSuccess();
  // Keep a stream open again soon, so a restarted daemon is noticed.
  next_tick_ = absl::Now() +
               std::min(options_.flush_interval, options_.keepalive_interval);
  return absl::OkStatus();
}

void Flusher::FinalFlush() {
  absl::Time deadline;
  {
    absl::MutexLock lock(&mu_);
    deadline = stop_deadline_;
  }
  const absl::Time start = absl::Now();
  absl::Duration attempt = kFirstFinalAttempt;
  absl::Status status;
  while (true) {
    bool fork_pending;
    {
      absl::MutexLock lock(&mu_);
      fork_pending = fork_pending_;
    }
    if (fork_pending) Park();
    const absl::Time now = absl::Now();
    status = ConfirmAll(std::min(deadline, now + attempt));
    if (status.ok() || absl::Now() >= deadline) break;
    attempt = attempt * 2;
    // A refusal was set aside inside ConfirmAll: retry the rest at once.
    // Otherwise pause briefly, so a daemon that fails fast is not hammered.
    if (!IsRefusal(status)) {
      absl::SleepFor(std::min(kFinalRetryPause, deadline - absl::Now()));
    }
  }
  DropStream();

  absl::Status result;
  if (!status.ok()) {
    const std::string message =
        absl::StrCat("final flush to progressd at ", connection_->target(),
                     " gave up after ",
                     absl::FormatDuration(absl::Trunc(absl::Now() - start,
                                                      absl::Milliseconds(1))),
                     " (", status.ToString(), "): ", UnconfirmedReport());
    Log().error("progress client {}: {}", options_.client_id, message);
    result = absl::Status(status.code(), message);
  }
  absl::MutexLock lock(&mu_);
  if (result.ok() && !unreported_refusals_.empty()) {
    result = absl::Status(
        refusal_code_, absl::StrCat("progressd refused ",
                                    absl::StrJoin(unreported_refusals_, "; ")));
    unreported_refusals_.clear();
  }
  if (status.ok()) flush_confirmed_ = flush_requested_;
  shutdown_status_ = result;
  stopped_ = true;
}

void Flusher::IsolateRefusedJobs(absl::Time deadline) {
  for (const JobValues& value : jobs_->Take(JobTable::Which::kAll)) {
    absl::StatusOr<std::unique_ptr<IncrementStream>> stream =
        IncrementStream::Open(*connection_, options_.client_id, deadline,
                              /*wait_for_ready=*/false);
    absl::Status status = stream.status();
    if (stream.ok()) {
      (*stream)->Write({value});
      status = (*stream)->Close(nullptr);
    }
    if (status.ok()) continue;
    if (!IsRefusal(status)) {
      NoteFailure(status);
      return;  // The daemon went away; the next attempt finds out more.
    }
    value.counter->refused = true;
    value.counter->refusal = std::string(status.message());
    Log().error(
        "progress client {}: progressd at {} refuses job '{}' ({}); its "
        "counts will not be sent",
        options_.client_id, connection_->target(), value.counter->name,
        status.ToString());
    absl::MutexLock lock(&mu_);
    unreported_refusals_.push_back(
        absl::StrCat("job '", value.counter->name, "': ", status.message()));
    refusal_code_ = status.code();
  }
}

void Flusher::HandleFailure(const absl::Status& status, absl::Time deadline) {
  if (IsRefusal(status)) {
    IsolateRefusedJobs(deadline);
    next_retry_ = absl::Now() + options_.min_backoff;
    return;
  }
  NoteFailure(status);
}

void Flusher::NoteFailure(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    last_error_ = status;
  }
  // Cancelled calls are our own doing (Shutdown, fork), not the daemon's.
  if (absl::IsCancelled(status)) return;
  if (healthy_) {
    healthy_ = false;
    unhealthy_since_ = absl::Now();
    Log().warn(
        "progress client {}: cannot reach progressd at {} ({}); counting "
        "locally and retrying",
        options_.client_id, connection_->target(), status.ToString());
  }
  if (IsUnreachable(status)) {
    // gRPC's channel reconnects on its own backoff, which our waits for it
    // drive; a backoff of ours would only add to it.
    next_retry_ = absl::InfinitePast();
    return;
  }
  next_retry_ = absl::Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

void Flusher::NoteSuccess() {
  if (!healthy_) {
    healthy_ = true;
    Log().info("progress client {}: reached progressd at {} again after {}",
               options_.client_id, connection_->target(),
               absl::FormatDuration(absl::Trunc(absl::Now() - unhealthy_since_,
                                                absl::Milliseconds(1))));
  }
  backoff_ = options_.min_backoff;
  next_retry_ = absl::InfinitePast();
}

std::string Flusher::UnconfirmedReport() {
  uint64_t success = 0;
  uint64_t failure = 0;
  int jobs = 0;
  std::vector<std::string> named;
  jobs_->ForEach([&](JobCounter& counter) {
    const uint64_t local_success =
        counter.success.load(std::memory_order_relaxed);
    const uint64_t local_failure =
        counter.failure.load(std::memory_order_relaxed);
    const uint64_t missing_success =
        local_success > counter.confirmed_success
            ? local_success - counter.confirmed_success
            : 0;
    const uint64_t missing_failure =
        local_failure > counter.confirmed_failure
            ? local_failure - counter.confirmed_failure
            : 0;
    if (missing_success == 0 && missing_failure == 0) return;
    success += missing_success;
    failure += missing_failure;
    ++jobs;
    if (named.size() < kJobsNamed) {
      named.push_back(absl::StrCat("'", counter.name, "' ",
                                   missing_success + missing_failure));
    }
  });
  if (jobs == 0) return "every count had been confirmed before";
  return absl::StrFormat(
      "%d records (%d success, %d failure) of %d job%s were not confirmed "
      "and may be lost: %s%s",
      success + failure, success, failure, jobs, jobs == 1 ? "" : "s",
      absl::StrJoin(named, ", "), jobs > kJobsNamed ? ", ..." : "");
}

}  // namespace progress::client
