#include "replica/replica_jobs.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_format.h"

namespace progress {

std::shared_ptr<const ReplicaJobs::Table> ReplicaJobs::Latest() {
  absl::MutexLock lock(&mu_);
  if (region_->generation() == table_->generation) return table_;
  std::string bytes;
  const uint64_t generation = region_->ReadIfNewer(table_->generation, &bytes);
  v1::ListJobsResponse snapshot;
  if (!snapshot.ParseFromString(bytes)) {
    // Cannot happen short of a bug: the daemon wrote these bytes whole.
    spdlog::error("read server: snapshot {} does not parse; keeping {}",
                  generation, table_->generation);
    return table_;
  }
  auto table = std::make_shared<Table>();
  table->generation = generation;
  table->jobs.assign(std::make_move_iterator(snapshot.mutable_jobs()->begin()),
                     std::make_move_iterator(snapshot.mutable_jobs()->end()));
  table->index.reserve(table->jobs.size());
  for (size_t i = 0; i < table->jobs.size(); ++i) {
    table->index.emplace(table->jobs[i].name(), i);
  }
  table_ = std::move(table);
  return table_;
}

absl::StatusOr<v1::Job> ReplicaJobs::Get(const std::string& name) {
  const std::shared_ptr<const Table> table = Latest();
  const auto found = table->index.find(name);
  if (found == table->index.end()) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", name));
  }
  return table->jobs[found->second];
}

void ReplicaJobs::List(const std::string& after, size_t page_size,
                       v1::ListJobsResponse* response) {
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
}

}  // namespace progress
