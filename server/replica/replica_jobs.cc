#include "replica/replica_jobs.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace progress {

std::shared_ptr<const ReplicaJobs::Table> ReplicaJobs::Latest() {
  std::shared_ptr<const Table> current;
  {
    absl::MutexLock lock(&mu_);
    current = table_;
  }
  if (region_->generation() == current->generation) return current;
  // Parsed outside the lock: reads of the current table go on meanwhile,
  // and two readers may parse the same generation once each.
  std::string bytes;
  const uint64_t generation = region_->ReadIfNewer(current->generation, &bytes);
  v1::ListJobsResponse snapshot;
  if (!snapshot.ParseFromString(bytes)) {
    // Cannot happen short of a bug: the daemon wrote these bytes whole.
    spdlog::error("read server: snapshot {} does not parse; keeping {}",
                  generation, current->generation);
    return current;
  }
  auto table = std::make_shared<Table>();
  table->generation = generation;
  table->jobs.assign(std::make_move_iterator(snapshot.mutable_jobs()->begin()),
                     std::make_move_iterator(snapshot.mutable_jobs()->end()));
  table->index.reserve(table->jobs.size());
  for (size_t i = 0; i < table->jobs.size(); ++i) {
    table->index.emplace(table->jobs[i].name(), i);
  }
  absl::MutexLock lock(&mu_);
  if (table->generation > table_->generation) table_ = std::move(table);
  return table_;
}

absl::Status ReplicaJobs::CheckFresh() const {
  const absl::Duration age = absl::Now() - region_->published_time();
  if (age <= kStaleAfter) return absl::OkStatus();
  return absl::UnavailableError(
      region_->generation() == 0
          ? std::string("the read server has no counts from progressd yet")
          : absl::StrFormat(
                "progressd has not updated its read server for %s (stopped "
                "or overloaded?); read from its --listen address",
                absl::FormatDuration(absl::Trunc(age, absl::Seconds(1)))));
}

absl::StatusOr<v1::Job> ReplicaJobs::Get(const std::string& name) {
  if (absl::Status fresh = CheckFresh(); !fresh.ok()) return fresh;
  const std::shared_ptr<const Table> table = Latest();
  const auto found = table->index.find(name);
  if (found == table->index.end()) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", name));
  }
  return table->jobs[found->second];
}

absl::Status ReplicaJobs::List(const std::string& after, size_t page_size,
                               v1::ListJobsResponse* response) {
  if (absl::Status fresh = CheckFresh(); !fresh.ok()) return fresh;
  const std::shared_ptr<const Table> table = Latest();
  auto first =
      std::upper_bound(table->jobs.begin(), table->jobs.end(), after,
                       [](const std::string& name, const v1::Job& job) {
                         return name < job.name();
                       });
  const size_t available = static_cast<size_t>(table->jobs.end() - first);
  const size_t count = std::min(available, page_size);
  for (size_t i = 0; i < count; ++i) *response->add_jobs() = first[i];
  if (count < available && count > 0) {
    response->set_next_page_token(first[count - 1].name());
  }
  return absl::OkStatus();
}

}  // namespace progress
