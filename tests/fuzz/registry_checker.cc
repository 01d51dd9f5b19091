#include "registry_checker.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace progress::fuzz {

RegistryOptions SmallRegistry(std::function<absl::Time()> clock) {
  RegistryOptions options;
  options.limits.max_jobs = 4;
  options.limits.max_clients_per_job = 3;
  options.limits.max_job_name_bytes = 8;
  options.rate_window = absl::Seconds(2);
  options.clock = std::move(clock);
  return options;
}
namespace {

// Small pages, so List's continuation is crossed even with few jobs.
constexpr size_t kPageSize = 3;

bool NotBefore(const std::optional<absl::Time>& now,
               const std::optional<absl::Time>& before) {
  if (!before.has_value()) return true;
  return now.has_value() && *now >= *before;
}

void RequireSameOrLater(const std::string& job, const JobState& now,
                        const JobState& before) {
  Require(now.success >= before.success && now.failure >= before.failure,
          absl::StrCat("job '", job, "': a counter went down"));
  Require(!before.done || now.done, absl::StrCat("job '", job, "': undone"));
  Require(now.created_time == before.created_time,
          absl::StrCat("job '", job, "': created time changed"));
  Require(!before.first_update_time.has_value() ||
              now.first_update_time == before.first_update_time,
          absl::StrCat("job '", job, "': first update time changed"));
  Require(
      !before.finish_time.has_value() || now.finish_time == before.finish_time,
      absl::StrCat("job '", job, "': finish time changed"));
  Require(NotBefore(now.last_update_time, before.last_update_time),
          absl::StrCat("job '", job, "': last update time went back"));
  Require(now.clients >= before.clients,
          absl::StrCat("job '", job, "': lost clients"));
}

}  // namespace

void Require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

bool JobState::operator==(const JobState& other) const {
  return std::tie(success, failure, expected_total, clients, done, created_time,
                  first_update_time, last_update_time, finish_time) ==
         std::tie(other.success, other.failure, other.expected_total,
                  other.clients, other.done, other.created_time,
                  other.first_update_time, other.last_update_time,
                  other.finish_time);
}

bool RegistryState::operator==(const RegistryState& other) const {
  if (jobs != other.jobs || cursors.size() != other.cursors.size()) {
    return false;
  }
  for (auto a = cursors.begin(), b = other.cursors.begin(); a != cursors.end();
       ++a, ++b) {
    if (a->first != b->first || a->second.success != b->second.success ||
        a->second.failure != b->second.failure) {
      return false;
    }
  }
  return true;
}

RegistryState Capture(const JobRegistry& registry, CursorCounts cursors) {
  RegistryState state;
  state.cursors = std::move(cursors);
  std::string after;
  do {
    JobPage page = registry.List(after, kPageSize);
    Require(page.jobs.size() <= kPageSize, "List: page too long");
    Require(page.next_after.empty() || page.jobs.size() == kPageSize,
            "List: a short page says there is more");
    for (const JobSnapshot& job : page.jobs) {
      Require(after.empty() || job.name > after, "List: out of order");
      after = job.name;
      Require(std::isfinite(job.average_rate) && job.average_rate >= 0 &&
                  std::isfinite(job.recent_rate) && job.recent_rate >= 0,
              absl::StrCat("job '", job.name, "': bad rate"));
      state.jobs.emplace(
          job.name,
          JobState{job.success, job.failure, job.expected_total, job.clients,
                   job.done, job.created_time, job.first_update_time,
                   job.last_update_time, job.finish_time});
    }
    Require(page.next_after.empty() || page.next_after == after,
            "List: next_after is not the page's last name");
    after = page.next_after;
  } while (!after.empty());
  return state;
}

void InvariantChecker::Check(const RegistryState& now) {
  Require(now.jobs.size() <= limits_.max_jobs, "more jobs than max_jobs");
  std::map<std::string, JobState> sums;
  for (const auto& [key, counts] : now.cursors) {
    Require(now.jobs.count(key.first) == 1,
            absl::StrCat("cursor of '", key.second, "' on unlisted job '",
                         key.first, "'"));
    Require(counts.success <= limits_.max_value_per_client() &&
                counts.failure <= limits_.max_value_per_client(),
            absl::StrCat("cursor of '", key.second, "' on '", key.first,
                         "' holds a value above the per-client cap"));
    JobState& sum = sums[key.first];
    sum.success += counts.success;
    sum.failure += counts.failure;
    ++sum.clients;
  }
  for (const auto& [name, job] : now.jobs) {
    const JobState& sum = sums[name];
    Require(job.success == sum.success && job.failure == sum.failure,
            absl::StrCat("job '", name, "': ", job.success, "/", job.failure,
                         " but its cursors sum to ", sum.success, "/",
                         sum.failure));
    Require(job.clients == sum.clients,
            absl::StrCat("job '", name, "': ", job.clients,
                         " clients, cursors for ", sum.clients));
    Require(job.clients <= limits_.max_clients_per_job,
            absl::StrCat("job '", name, "': more clients than the limit"));
    Require(job.done == job.finish_time.has_value(),
            absl::StrCat("job '", name, "': done without a finish time"));
  }
  if (last_.has_value()) {
    for (const auto& [name, before] : last_->jobs) {
      auto it = now.jobs.find(name);
      Require(it != now.jobs.end(), absl::StrCat("job '", name, "' vanished"));
      RequireSameOrLater(name, it->second, before);
    }
    for (const auto& [key, before] : last_->cursors) {
      auto it = now.cursors.find(key);
      Require(it != now.cursors.end(), "a cursor vanished");
      Require(it->second.success >= before.success &&
                  it->second.failure >= before.failure,
              absl::StrCat("cursor of '", key.second, "' on '", key.first,
                           "' went back"));
    }
  }
  last_ = now;
}

void RequireUnchanged(const RegistryState& before, const RegistryState& after,
                      const absl::Status& status) {
  Require(before == after,
          absl::StrCat("a refused operation changed the registry: ",
                       status.ToString()));
}

}  // namespace progress::fuzz
