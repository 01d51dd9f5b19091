// The registry's records for the state file: taking them, and restoring a
// registry from them at start.
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "registry/job_registry.h"

namespace progress {
namespace {

absl::Status CheckRecord(const JobRecord& job, const JobRegistry& registry) {
  if (absl::Status valid = registry.ValidateJobName(job.name); !valid.ok()) {
    return valid;
  }
  absl::flat_hash_set<absl::string_view> clients;
  for (const ClientRecord& client : job.clients) {
    if (absl::Status valid = JobRegistry::ValidateClientId(client.client_id);
        !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("job '%s': %s", job.name, valid.message()));
    }
    if (!clients.insert(client.client_id).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "job '%s': client '%s' appears twice", job.name, client.client_id));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<JobRecord> JobRegistry::Records() const {
  std::vector<const Job*> all;
  {
    absl::ReaderMutexLock lock(&mu_);
    all.reserve(jobs_.size());
    for (const auto& [name, job] : jobs_) all.push_back(job.get());
  }
  // Jobs are never removed, so each is read outside the registry's lock and
  // a snapshot never holds up a stream creating a job.
  std::vector<JobRecord> records;
  records.reserve(all.size());
  for (const Job* job : all) records.push_back(job->Record());
  return records;
}

absl::Status JobRegistry::Restore(const std::vector<JobRecord>& records) {
  absl::flat_hash_set<absl::string_view> names;
  for (const JobRecord& record : records) {
    if (absl::Status valid = CheckRecord(record, *this); !valid.ok()) {
      return valid;
    }
    if (!names.insert(record.name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("job '%s' appears twice", record.name));
    }
  }
  // Built aside and moved in whole, so a failure leaves the registry empty.
  absl::btree_map<std::string, std::unique_ptr<Job>, std::less<>> restored;
  const absl::Time now = options_.clock();
  for (const JobRecord& record : records) {
    auto job = std::make_unique<Job>(record.name, record.created_time,
                                     options_.rate_window);
    if (absl::Status ok = job->Restore(record, now); !ok.ok()) return ok;
    restored.emplace(record.name, std::move(job));
  }
  absl::MutexLock lock(&mu_);
  if (!jobs_.empty()) {
    return absl::FailedPreconditionError(
        "a registry can only be restored while it is empty");
  }
  jobs_ = std::move(restored);
  return absl::OkStatus();
}

}  // namespace progress
