#include "state/snapshotter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "state/state_codec.h"
#include "state/state_file.h"
#include "thread_name.h"

namespace progress {
namespace {

// The first retry after a failed write; it doubles up to the interval (at
// least a second), so a full disk is not hammered.
constexpr absl::Duration kFirstRetry = absl::Milliseconds(100);

}  // namespace

Snapshotter::Snapshotter(SnapshotterOptions options,
                         const JobRegistry* registry)
    : options_(std::move(options)), registry_(registry) {}

Snapshotter::~Snapshotter() {
  if (thread_.joinable()) Stop().IgnoreError();
}

void Snapshotter::Start() { thread_ = std::thread(&Snapshotter::Run, this); }

absl::Status Snapshotter::SnapshotNow() {
  uint64_t changes = 0;
  absl::Status status = Write(&changes);
  AnswerCovered();
  return status;
}

absl::Status Snapshotter::Write(uint64_t* changes) {
  absl::MutexLock write_lock(&write_mu_);
  // Read before the records, so the records hold every change counted.
  *changes = registry_->changes();
  StateSnapshot snapshot{options_.clock(), registry_->Records()};
  const std::string bytes = EncodeStateFile(snapshot);
  const absl::Status status = WriteFileAtomically(options_.path, bytes);
  if (status.ok()) {
    stats_.written.fetch_add(1, std::memory_order_relaxed);
    stats_.last_written_unix.store(absl::ToUnixSeconds(snapshot.taken_time),
                                   std::memory_order_relaxed);
    stats_.last_bytes.store(bytes.size(), std::memory_order_relaxed);
    absl::MutexLock lock(&mu_);
    durable_changes_ = std::max(durable_changes_, *changes);
  } else {
    stats_.failed.fetch_add(1, std::memory_order_relaxed);
  }
  NoteOutcome(status);
  return status;
}

void Snapshotter::NoteOutcome(const absl::Status& status) {
  uint64_t failures = 0;
  size_t waiting = 0;
  bool log = false;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      failures = std::exchange(failures_in_a_row_, 0);
      last_failure_.clear();
      log = failures > 0;
    } else {
      failures = ++failures_in_a_row_;
      waiting = waiters_.size();
      const std::string failure(status.message());
      log = failure != last_failure_;
      last_failure_ = failure;
    }
  }
  if (!log) return;
  if (status.ok()) {
    spdlog::info("state file {} written again, after {} failed attempts",
                 options_.path, failures);
  } else {
    spdlog::error(
        "cannot snapshot to state file {}: {}; counts stay in memory and "
        "are written once this is fixed ({} Increment streams wait for "
        "their confirmation); retrying",
        options_.path, std::string(status.message()), waiting);
  }
}

void Snapshotter::AwaitDurable(Done done) {
  const uint64_t changes = registry_->changes();
  bool durable;
  {
    absl::MutexLock lock(&mu_);
    durable = changes <= durable_changes_;
    if (!durable && !released_) {
      waiters_.push_back({changes, std::move(done)});
      return;
    }
  }
  done(durable ? absl::OkStatus()
               : absl::UnavailableError(
                     "progressd is shutting down and has taken its last "
                     "snapshot; these counts are not in it"));
}

void Snapshotter::AnswerCovered() {
  std::vector<Done> covered;
  {
    absl::MutexLock lock(&mu_);
    // Waiters read the count in any order, so they are not sorted by it.
    auto still_waiting = std::stable_partition(
        waiters_.begin(), waiters_.end(),
        [this](const Waiter& waiter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return waiter.changes > durable_changes_;
        });
    for (auto it = still_waiting; it != waiters_.end(); ++it) {
      covered.push_back(std::move(it->done));
    }
    waiters_.erase(still_waiting, waiters_.end());
  }
  for (Done& done : covered) done(absl::OkStatus());
}

void Snapshotter::AnswerAll(const absl::Status& status) {
  std::deque<Waiter> all;
  {
    absl::MutexLock lock(&mu_);
    all.swap(waiters_);
  }
  for (Waiter& waiter : all) waiter.done(status);
}

void Snapshotter::Run() {
  NameThisThread("snapshot");
  const absl::Duration max_retry =
      std::max(options_.interval, absl::Seconds(1));
  absl::Duration retry = kFirstRetry;
  absl::Time next_due = absl::Now() + options_.interval;
  // After a failure, waiters wait for the retry time like everything else.
  bool backing_off = false;
  while (true) {
    bool waiters = false;
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this, &backing_off]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (!backing_off && !waiters_.empty());
      };
      mu_.AwaitWithDeadline(absl::Condition(&woken), next_due);
      if (stopping_) return;
      waiters = !waiters_.empty();
    }
    const absl::Time now = absl::Now();
    if (backing_off && now < next_due) continue;
    backing_off = false;
    bool changed;
    {
      absl::MutexLock lock(&mu_);
      changed = registry_->changes() > durable_changes_;
    }
    if (!waiters && !changed) {
      next_due = now + options_.interval;
      continue;
    }
    uint64_t changes = 0;
    if (Write(&changes).ok()) {
      AnswerCovered();
      retry = kFirstRetry;
      next_due = absl::Now() + options_.interval;
    } else {
      backing_off = true;
      next_due = absl::Now() + retry;
      retry = std::min(retry * 2, max_retry);
    }
  }
}

void Snapshotter::Release() {
  bool pending;
  {
    absl::MutexLock lock(&mu_);
    released_ = true;
    pending = !waiters_.empty();
  }
  absl::Status status;
  if (pending) {
    uint64_t changes = 0;
    status = Write(&changes);
    AnswerCovered();
  }
  AnswerAll(absl::UnavailableError(absl::StrCat(
      "progressd is shutting down and could not make these counts durable: ",
      status.message())));
}

absl::Status Snapshotter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = registry_->changes() > durable_changes_;
  }
  absl::Status status;
  if (changed) {
    uint64_t changes = 0;
    status = Write(&changes);
    AnswerCovered();
  }
  AnswerAll(absl::UnavailableError(
      absl::StrCat("progressd stopped before these counts were durable: ",
                   status.message())));
  return status;
}

}  // namespace progress
