// The registry's records for the state file: taking them, and restoring a
// registry from them at start.
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "names.h"
#include "registry/job_registry.h"

namespace progress {
namespace {

absl::Status CheckClientId(absl::string_view job, absl::string_view client_id,
                           absl::flat_hash_set<absl::string_view>& seen) {
  if (absl::Status valid = JobRegistry::ValidateClientId(client_id);
      !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("job '%s': %s", job, valid.message()));
  }
  if (!seen.insert(client_id).second) {
    return absl::InvalidArgumentError(
        absl::StrFormat("job '%s': client '%s' appears twice", job, client_id));
  }
  return absl::OkStatus();
}

absl::Status CheckRecord(const JobRecord& job) {
  // The charset only, not today's --max_job_name_bytes: a daemon restarted
  // with a lower limit keeps the jobs it had, as it keeps jobs past
  // --max_jobs.
  if (absl::Status valid = ValidateName("job name", job.name,
                                        std::numeric_limits<size_t>::max());
      !valid.ok()) {
    return valid;
  }
  absl::flat_hash_set<absl::string_view> clients;
  for (const ClientRecord& client : job.clients) {
    if (absl::Status ok = CheckClientId(job.name, client.client_id, clients);
        !ok.ok()) {
      return ok;
    }
  }
  for (const TombstoneRecord& tombstone : job.tombstones) {
    if (absl::Status ok = CheckClientId(job.name, tombstone.client_id, clients);
        !ok.ok()) {
      return ok;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<JobRecord> JobRegistry::Records() const {
  // Each job is read outside the registry's lock, so a snapshot never holds
  // up a stream creating a job.
  std::vector<std::shared_ptr<Job>> all = All();
  std::vector<JobRecord> records;
  records.reserve(all.size());
  for (const std::shared_ptr<Job>& job : all) records.push_back(job->Record());
  return records;
}

absl::Status JobRegistry::Restore(const std::vector<JobRecord>& records) {
  absl::flat_hash_set<absl::string_view> names;
  for (const JobRecord& record : records) {
    if (absl::Status valid = CheckRecord(record); !valid.ok()) {
      return valid;
    }
    if (!names.insert(record.name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("job '%s' appears twice", record.name));
    }
  }
  // Built aside and moved in whole, so a failure leaves the registry empty.
  absl::btree_map<std::string, std::shared_ptr<Job>, std::less<>> restored;
  const absl::Time now = options_.clock();
  for (const JobRecord& record : records) {
    auto job = std::make_shared<Job>(record.name, record.created_time,
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
