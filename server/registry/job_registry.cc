#include "registry/job_registry.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "names.h"

namespace progress {

uint64_t RegistryLimits::max_value_per_client() const {
  // Zero clients per job admits no client at all; any cap would do.
  return std::numeric_limits<uint64_t>::max() /
         std::max<uint64_t>(max_clients_per_job, 1);
}

JobRegistry::JobRegistry(RegistryOptions options)
    : options_(std::move(options)),
      max_value_per_client_(options_.limits.max_value_per_client()) {}

absl::Status JobRegistry::ValidateClientId(absl::string_view client_id) {
  return ValidateName("client id", client_id, kMaxClientIdBytes);
}

absl::Status JobRegistry::ValidateJobName(absl::string_view job) const {
  return ValidateName("job name", job, options_.limits.max_job_name_bytes);
}

std::shared_ptr<Job> JobRegistry::Find(absl::string_view job) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = jobs_.find(job);
  return it == jobs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Job>> JobRegistry::All() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::shared_ptr<Job>> all;
  all.reserve(jobs_.size());
  for (const auto& [name, job] : jobs_) all.push_back(job);
  return all;
}

absl::Status JobRegistry::CheckCumulative(absl::string_view job,
                                          uint64_t success, uint64_t failure) {
  if (success <= max_value_per_client_ && failure <= max_value_per_client_) {
    return absl::OkStatus();
  }
  values_over_cap_rejected_.fetch_add(1, std::memory_order_relaxed);
  const bool is_success = success > max_value_per_client_;
  return absl::OutOfRangeError(absl::StrFormat(
      "job '%s': cumulative %s %d is above the per-client limit %d "
      "((2^64 - 1) / --max_clients_per_job, so a job's sum cannot overflow)",
      job, is_success ? "success" : "failure", is_success ? success : failure,
      max_value_per_client_));
}

Job* JobRegistry::AddJobLocked(absl::string_view job) {
  auto created = std::make_shared<Job>(std::string(job), options_.clock(),
                                       options_.rate_window);
  Job* raw = created.get();
  jobs_.emplace(std::string(job), std::move(created));
  return raw;
}

absl::StatusOr<std::shared_ptr<Job>> JobRegistry::FindOrCreate(
    absl::string_view job) {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  if (std::shared_ptr<Job> existing = Find(job)) return existing;

  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it != jobs_.end()) return it->second;
  if (jobs_.size() >= options_.limits.max_jobs) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "cannot create job '%s': the daemon already holds %d jobs, the limit "
        "(--max_jobs)",
        job, options_.limits.max_jobs));
  }
  AddJobLocked(job);
  return jobs_.find(job)->second;
}

bool JobRegistry::FindCursorsLocked(
    absl::Span<const absl::string_view> jobs, absl::string_view client_id,
    std::vector<std::shared_ptr<ClientCursor>>& cursors) const {
  cursors.clear();
  for (absl::string_view job : jobs) {
    auto it = jobs_.find(job);
    if (it == jobs_.end()) return false;
    std::shared_ptr<ClientCursor> cursor = it->second->FindCursor(client_id);
    if (cursor == nullptr) return false;
    cursors.push_back(std::move(cursor));
  }
  return true;
}

absl::Status JobRegistry::CheckRoomLocked(
    absl::Span<const absl::string_view> jobs,
    absl::string_view client_id) const {
  const RegistryLimits& limits = options_.limits;
  size_t new_jobs = 0;
  for (absl::string_view job : jobs) {
    auto it = jobs_.find(job);
    const Job* existing = it == jobs_.end() ? nullptr : it->second.get();
    if (existing == nullptr) {
      ++new_jobs;
      if (jobs_.size() + new_jobs > limits.max_jobs) {
        return absl::ResourceExhaustedError(absl::StrFormat(
            "cannot create job '%s': the daemon holds %d jobs and this "
            "message would add %d, past the limit of %d (--max_jobs)",
            job, jobs_.size(), new_jobs, limits.max_jobs));
      }
    } else if (existing->FindCursor(client_id) != nullptr) {
      continue;
    }
    const size_t clients =
        existing == nullptr ? 0 : existing->live_client_count();
    if (clients >= limits.max_clients_per_job) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "job '%s' already has %d live clients, the limit "
          "(--max_clients_per_job; clients silent for --client_ttl do not "
          "count)",
          job, clients));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<ClientCursor>>>
JobRegistry::ResolveCursors(absl::Span<const absl::string_view> jobs,
                            absl::string_view client_id) {
  absl::flat_hash_set<absl::string_view> seen;
  for (absl::string_view job : jobs) {
    if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
    if (!seen.insert(job).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("job '%s' appears twice in one message", job));
    }
  }

  std::vector<std::shared_ptr<ClientCursor>> cursors;
  cursors.reserve(jobs.size());
  {
    // A reconnecting client names jobs it already reported on.
    absl::ReaderMutexLock lock(&mu_);
    if (FindCursorsLocked(jobs, client_id, cursors)) return cursors;
  }

  // Checking every limit and then creating everything under one exclusive
  // hold is what makes the message all or nothing against other streams.
  absl::MutexLock lock(&mu_);
  if (absl::Status room = CheckRoomLocked(jobs, client_id); !room.ok()) {
    return room;
  }
  cursors.clear();
  const absl::Time now = options_.clock();
  for (absl::string_view job : jobs) {
    auto it = jobs_.find(job);
    Job* found = it == jobs_.end() ? AddJobLocked(job) : it->second.get();
    std::shared_ptr<ClientCursor> cursor = found->FindCursor(client_id);
    cursors.push_back(cursor != nullptr ? std::move(cursor)
                                        : found->AddCursor(client_id, now));
  }
  changes_.fetch_add(1, std::memory_order_acq_rel);
  return cursors;
}

absl::StatusOr<std::shared_ptr<ClientCursor>> JobRegistry::ResolveCursor(
    absl::string_view job, absl::string_view client_id) {
  const absl::string_view jobs[] = {job};
  absl::StatusOr<std::vector<std::shared_ptr<ClientCursor>>> cursors =
      ResolveCursors(jobs, client_id);
  if (!cursors.ok()) return cursors.status();
  return std::move(cursors->front());
}

absl::StatusOr<ApplyResult> JobRegistry::Apply(ClientCursor& cursor,
                                               uint64_t success,
                                               uint64_t failure) {
  if (absl::Status within =
          CheckCumulative(cursor.job().name(), success, failure);
      !within.ok()) {
    return within;
  }
  absl::StatusOr<ApplyResult> result = cursor.job().ApplyCumulative(
      cursor, success, failure, options_.clock(), &changes_);
  if (!result.ok()) return result;
  entries_applied_.fetch_add(1, std::memory_order_relaxed);
  if (result->regressed) {
    regressions_ignored_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

absl::StatusOr<JobSnapshot> JobRegistry::Get(absl::string_view job) const {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  std::shared_ptr<Job> found = Find(job);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", job));
  }
  return found->Snapshot(options_.clock());
}

absl::StatusOr<RateSeries> JobRegistry::RateHistoryOf(
    absl::string_view job) const {
  std::shared_ptr<Job> found = Find(job);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", job));
  }
  return found->RateHistorySeries();
}

absl::StatusOr<JobSnapshot> JobRegistry::Start(absl::string_view job,
                                               uint64_t expected_total) {
  absl::StatusOr<std::shared_ptr<Job>> found = FindOrCreate(job);
  if (!found.ok()) return found.status();
  if ((*found)->done()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "job '%s' is already finished; start a job with a new name", job));
  }
  (*found)->SetExpectedTotal(expected_total);
  changes_.fetch_add(1, std::memory_order_acq_rel);
  return (*found)->Snapshot(options_.clock());
}

absl::StatusOr<JobSnapshot> JobRegistry::Finish(absl::string_view job) {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  std::shared_ptr<Job> found = Find(job);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", job));
  }
  const absl::Time now = options_.clock();
  if (found->MarkDone(now)) changes_.fetch_add(1, std::memory_order_acq_rel);
  return found->Snapshot(now);
}

JobPage JobRegistry::List(absl::string_view after, size_t page_size) const {
  JobPage page;
  std::vector<std::shared_ptr<const Job>> selected;
  bool more = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = after.empty() ? jobs_.begin() : jobs_.upper_bound(after);
    for (; it != jobs_.end() && selected.size() < page_size; ++it) {
      selected.push_back(it->second);
    }
    more = it != jobs_.end();
  }
  // Snapshots are taken outside the registry lock, on jobs kept alive.
  const absl::Time now = options_.clock();
  page.jobs.reserve(selected.size());
  for (const auto& job : selected) page.jobs.push_back(job->Snapshot(now));
  if (more && !page.jobs.empty()) page.next_after = page.jobs.back().name;
  return page;
}

void JobRegistry::ForEachJob(
    const std::function<void(const JobSnapshot&)>& visit) const {
  constexpr size_t kPage = 1000;
  std::string after;
  do {
    JobPage page = List(after, kPage);
    for (const JobSnapshot& job : page.jobs) visit(job);
    after = std::move(page.next_after);
  } while (!after.empty());
}

void JobRegistry::SampleRates() {
  const absl::Time now = options_.clock();
  for (const std::shared_ptr<Job>& job : All()) job->SampleRate(now);
}

RegistryStats JobRegistry::Stats() const {
  RegistryStats stats;
  {
    absl::ReaderMutexLock lock(&mu_);
    stats.jobs = jobs_.size();
    for (const auto& [name, job] : jobs_) {
      stats.client_cursors += job->live_client_count();
      stats.tombstones += job->tombstone_count();
    }
  }
  stats.entries_applied = entries_applied_.load(std::memory_order_relaxed);
  stats.regressions_ignored =
      regressions_ignored_.load(std::memory_order_relaxed);
  stats.values_over_cap_rejected =
      values_over_cap_rejected_.load(std::memory_order_relaxed);
  stats.clients_folded = clients_folded_.load(std::memory_order_relaxed);
  stats.jobs_dropped = jobs_dropped_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace progress
