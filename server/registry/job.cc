#include "registry/job.h"

#include <limits>
#include <utility>

#include "absl/strings/str_format.h"

namespace progress {
namespace {

void StoreMax(std::atomic<int64_t>& value, int64_t candidate) {
  int64_t current = value.load(std::memory_order_relaxed);
  while (current < candidate &&
         !value.compare_exchange_weak(current, candidate,
                                      std::memory_order_relaxed)) {
  }
}

std::optional<absl::Time> TimeFromNanos(int64_t nanos) {
  if (nanos == 0) return std::nullopt;
  return absl::FromUnixNanos(nanos);
}

}  // namespace

ClientCursor::Counts ClientCursor::applied() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

Job::Job(std::string name, absl::Time created, absl::Duration rate_window)
    : name_(std::move(name)), created_(created), rate_window_(rate_window) {
  rate_window_.Record(created, 0);
  rate_history_.Reset(created, 0);
}

std::shared_ptr<ClientCursor> Job::FindCursor(
    absl::string_view client_id) const {
  absl::ReaderMutexLock lock(&clients_mu_);
  auto it = clients_.find(client_id);
  return it == clients_.end() ? nullptr : it->second;
}

std::shared_ptr<ClientCursor> Job::AddCursor(absl::string_view client_id,
                                             absl::Time now) {
  auto cursor = std::make_shared<ClientCursor>(this);
  cursor->last_seen_ns_.store(absl::ToUnixNanos(now),
                              std::memory_order_relaxed);
  absl::MutexLock lock(&clients_mu_);
  auto folded = tombstones_.find(client_id);
  if (folded != tombstones_.end()) {
    // The job's counters already hold these values: they only move from
    // the retired sum back to the client, which goes on from them.
    const ClientCursor::Counts applied = folded->second.applied;
    retired_.success -= applied.success;
    retired_.failure -= applied.failure;
    tombstones_.erase(folded);
    absl::MutexLock cursor_lock(&cursor->mu_);
    cursor->applied_ = applied;
  }
  clients_.emplace(client_id, cursor);
  return cursor;
}

absl::StatusOr<ApplyResult> Job::ApplyCumulative(
    ClientCursor& cursor, uint64_t success, uint64_t failure, absl::Time now,
    std::atomic<uint64_t>* changes) {
  ApplyResult result;
  cursor.last_seen_ns_.store(absl::ToUnixNanos(now), std::memory_order_relaxed);
  absl::MutexLock lock(&cursor.mu_);
  ClientCursor::Counts& applied = cursor.applied_;
  result.regressed = success < applied.success || failure < applied.failure;
  const uint64_t success_delta =
      success > applied.success ? success - applied.success : 0;
  const uint64_t failure_delta =
      failure > applied.failure ? failure - applied.failure : 0;
  if (success_delta == 0 && failure_delta == 0) return result;

  // Unreachable while the registry caps each client's values at
  // (2^64 - 1) / --max_clients_per_job, since the clients' sum then always
  // fits; the cap is the guarantee, this check only a backstop should that
  // invariant break. Both counters are checked before either is added to, so a
  // refusal never publishes a value it then takes back (a reader would see a
  // counter drop).
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (success_delta > kMax - success_.load(std::memory_order_relaxed) ||
      failure_delta > kMax - failure_.load(std::memory_order_relaxed)) {
    return absl::OutOfRangeError(absl::StrFormat(
        "job '%s': adding %d successes and %d failures would overflow its "
        "counters",
        name_, success_delta, failure_delta));
  }
  if (success_delta > 0) {
    success_.fetch_add(success_delta, std::memory_order_relaxed);
    applied.success = success;
  }
  if (failure_delta > 0) {
    failure_.fetch_add(failure_delta, std::memory_order_relaxed);
    applied.failure = failure;
  }
  result.added = success_delta + failure_delta;
  if (changes != nullptr) changes->fetch_add(1, std::memory_order_acq_rel);

  const int64_t now_ns = absl::ToUnixNanos(now);
  int64_t unset = 0;
  first_update_ns_.compare_exchange_strong(unset, now_ns,
                                           std::memory_order_relaxed);
  StoreMax(last_update_ns_, now_ns);
  return result;
}

size_t Job::client_count() const {
  absl::ReaderMutexLock lock(&clients_mu_);
  return clients_.size() + tombstones_.size() + forgotten_clients_;
}

void Job::SetExpectedTotal(uint64_t expected_total) {
  if (expected_total > 0) {
    expected_total_.store(expected_total, std::memory_order_relaxed);
  }
}

bool Job::MarkDone(absl::Time now) {
  int64_t unset = 0;
  if (!finish_ns_.compare_exchange_strong(unset, absl::ToUnixNanos(now),
                                          std::memory_order_relaxed)) {
    return false;
  }
  done_.store(true, std::memory_order_release);
  return true;
}

void Job::SampleRate(absl::Time now) {
  const uint64_t total = success_.load(std::memory_order_relaxed) +
                         failure_.load(std::memory_order_relaxed);
  rate_window_.Record(now, total);
  rate_history_.RecordTotal(now, total);
}

std::optional<absl::Time> Job::finish_time() const {
  return TimeFromNanos(finish_ns_.load(std::memory_order_relaxed));
}

void Job::LoadTimes(std::optional<absl::Time>* first_update,
                    std::optional<absl::Time>* last_update,
                    std::optional<absl::Time>* finish) const {
  *first_update =
      TimeFromNanos(first_update_ns_.load(std::memory_order_relaxed));
  *last_update = TimeFromNanos(last_update_ns_.load(std::memory_order_relaxed));
  *finish = TimeFromNanos(finish_ns_.load(std::memory_order_relaxed));
}

JobSnapshot Job::Snapshot(absl::Time now) const {
  JobSnapshot snapshot;
  snapshot.name = name_;
  snapshot.done = done();
  snapshot.success = success_.load(std::memory_order_relaxed);
  snapshot.failure = failure_.load(std::memory_order_relaxed);
  snapshot.expected_total = expected_total_.load(std::memory_order_relaxed);
  snapshot.created_time = created_;
  LoadTimes(&snapshot.first_update_time, &snapshot.last_update_time,
            &snapshot.finish_time);
  snapshot.clients = static_cast<uint32_t>(client_count());

  const uint64_t total = snapshot.success + snapshot.failure;
  if (snapshot.first_update_time.has_value()) {
    const absl::Time end = snapshot.finish_time.value_or(now);
    const double seconds =
        absl::ToDoubleSeconds(end - *snapshot.first_update_time);
    if (seconds > 0.0) snapshot.average_rate = total / seconds;
  }
  snapshot.recent_rate = snapshot.done ? 0.0 : rate_window_.RateAt(now, total);
  return snapshot;
}

JobRecord Job::Record() const {
  JobRecord record;
  record.name = name_;
  record.expected_total = expected_total_.load(std::memory_order_relaxed);
  record.created_time = created_;
  LoadTimes(&record.first_update_time, &record.last_update_time,
            &record.finish_time);
  absl::ReaderMutexLock lock(&clients_mu_);
  record.clients.reserve(clients_.size());
  for (const auto& [client_id, cursor] : clients_) {
    const ClientCursor::Counts applied = cursor->applied();
    record.clients.push_back({client_id, applied.success, applied.failure});
  }
  record.retired_success = retired_.success;
  record.retired_failure = retired_.failure;
  record.tombstones.reserve(tombstones_.size());
  for (const auto& [client_id, tombstone] : tombstones_) {
    record.tombstones.push_back(
        {client_id, tombstone.applied.success, tombstone.applied.failure,
         absl::FromUnixNanos(tombstone.folded_ns), tombstone.closed});
  }
  record.forgotten_clients = forgotten_clients_;
  return record;
}

absl::Status Job::Restore(const JobRecord& record, absl::Time now) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t success = record.retired_success;
  uint64_t failure = record.retired_failure;
  for (const ClientRecord& client : record.clients) {
    if (client.success > kMax - success || client.failure > kMax - failure) {
      return absl::OutOfRangeError(absl::StrFormat(
          "job '%s': its clients' counts add up past 2^64 - 1", name_));
    }
    success += client.success;
    failure += client.failure;
  }
  uint64_t tombstoned_success = 0;
  uint64_t tombstoned_failure = 0;
  for (const TombstoneRecord& tombstone : record.tombstones) {
    tombstoned_success += tombstone.success;
    tombstoned_failure += tombstone.failure;
    if (tombstoned_success < tombstone.success ||
        tombstoned_failure < tombstone.failure ||
        tombstoned_success > record.retired_success ||
        tombstoned_failure > record.retired_failure) {
      return absl::OutOfRangeError(absl::StrFormat(
          "job '%s': its tombstones hold more than its retired sum", name_));
    }
  }
  // JobSnapshot::clients is 32 bits wide.
  if (record.forgotten_clients > std::numeric_limits<uint32_t>::max() -
                                     record.clients.size() -
                                     record.tombstones.size()) {
    return absl::OutOfRangeError(
        absl::StrFormat("job '%s': more clients than a count can hold", name_));
  }
  const int64_t now_ns = absl::ToUnixNanos(now);
  absl::MutexLock lock(&clients_mu_);
  for (const ClientRecord& client : record.clients) {
    auto cursor = std::make_shared<ClientCursor>(this);
    // Idle from now on: --client_ttl counts from the restart.
    cursor->last_seen_ns_.store(now_ns, std::memory_order_relaxed);
    {
      absl::MutexLock cursor_lock(&cursor->mu_);
      cursor->applied_ = {client.success, client.failure};
    }
    clients_.emplace(client.client_id, std::move(cursor));
  }
  for (const TombstoneRecord& tombstone : record.tombstones) {
    tombstones_.emplace(tombstone.client_id,
                        Tombstone{{tombstone.success, tombstone.failure},
                                  absl::ToUnixNanos(tombstone.folded_time),
                                  tombstone.closed});
  }
  retired_ = {record.retired_success, record.retired_failure};
  forgotten_clients_ = record.forgotten_clients;
  success_.store(success, std::memory_order_relaxed);
  failure_.store(failure, std::memory_order_relaxed);
  expected_total_.store(record.expected_total, std::memory_order_relaxed);
  auto nanos = [](const std::optional<absl::Time>& time) -> int64_t {
    return time.has_value() ? absl::ToUnixNanos(*time) : 0;
  };
  first_update_ns_.store(nanos(record.first_update_time),
                         std::memory_order_relaxed);
  last_update_ns_.store(nanos(record.last_update_time),
                        std::memory_order_relaxed);
  finish_ns_.store(nanos(record.finish_time), std::memory_order_relaxed);
  done_.store(record.finish_time.has_value(), std::memory_order_release);
  // The recent rate starts over: counts restored are not records/s now.
  rate_window_.Reset(now, success + failure);
  rate_history_.Reset(now, success + failure);
  return absl::OkStatus();
}

}  // namespace progress
