#include "job_sum.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace progress::reporter {
namespace {

using ::google::protobuf::Timestamp;

bool Before(const Timestamp& a, const Timestamp& b) {
  return std::make_pair(a.seconds(), a.nanos()) <
         std::make_pair(b.seconds(), b.nanos());
}

bool IsZero(const Timestamp& time) {
  return time.seconds() == 0 && time.nanos() == 0;
}

// Keeps in `into` the earlier (or later) of itself and `time`; an unset or
// zero time says "not yet" and never wins.
void KeepEarliest(bool has_time, const Timestamp& time, Timestamp* into,
                  bool* has_into) {
  if (!has_time || IsZero(time)) return;
  if (!*has_into || Before(time, *into)) *into = time;
  *has_into = true;
}

void KeepLatest(bool has_time, const Timestamp& time, Timestamp* into,
                bool* has_into) {
  if (!has_time || IsZero(time)) return;
  if (!*has_into || Before(*into, time)) *into = time;
  *has_into = true;
}

}  // namespace

v1::Job MergeJob(const std::vector<const v1::Job*>& records) {
  v1::Job sum;
  if (records.empty()) return sum;
  sum.set_name(records.front()->name());
  Timestamp created, first_update, last_update, finish;
  bool has_created = false, has_first = false, has_last = false,
       has_finish = false;
  for (const v1::Job* job : records) {
    sum.set_success(sum.success() + job->success());
    sum.set_failure(sum.failure() + job->failure());
    sum.set_clients(sum.clients() + job->clients());
    sum.set_average_rate(sum.average_rate() + job->average_rate());
    sum.set_recent_rate(sum.recent_rate() + job->recent_rate());
    sum.set_expected_total(
        std::max(sum.expected_total(), job->expected_total()));
    sum.set_done(sum.done() || job->done());
    KeepEarliest(job->has_created_time(), job->created_time(), &created,
                 &has_created);
    KeepEarliest(job->has_first_update_time(), job->first_update_time(),
                 &first_update, &has_first);
    KeepLatest(job->has_last_update_time(), job->last_update_time(),
               &last_update, &has_last);
    KeepLatest(job->has_finish_time(), job->finish_time(), &finish,
               &has_finish);
  }
  if (has_created) *sum.mutable_created_time() = created;
  if (has_first) *sum.mutable_first_update_time() = first_update;
  if (has_last) *sum.mutable_last_update_time() = last_update;
  if (has_finish) *sum.mutable_finish_time() = finish;
  return sum;
}

bool SameDaemon(const DaemonAnswer& a, const DaemonAnswer& b) {
  absl::flat_hash_map<std::string, const v1::Job*> a_jobs;
  for (const v1::Job& job : a.jobs) a_jobs[job.name()] = &job;
  bool shared = false;
  for (const v1::Job& job : b.jobs) {
    auto it = a_jobs.find(job.name());
    if (it == a_jobs.end()) continue;
    const v1::Job& other = *it->second;
    if (!job.has_created_time() || !other.has_created_time() ||
        IsZero(job.created_time()) ||
        job.created_time().seconds() != other.created_time().seconds() ||
        job.created_time().nanos() != other.created_time().nanos()) {
      return false;
    }
    shared = true;
  }
  return shared;
}

PollSum SumAnswers(const std::vector<DaemonAnswer>& answers,
                   const std::vector<std::string>& followed) {
  PollSum sum;
  std::vector<const DaemonAnswer*> counted;
  for (const DaemonAnswer& answer : answers) {
    if (!answer.status.ok()) {
      sum.missing.push_back({answer.daemon, answer.status});
      continue;
    }
    auto same = std::find_if(counted.begin(), counted.end(),
                             [&answer](const DaemonAnswer* kept) {
                               return SameDaemon(*kept, answer);
                             });
    if (same != counted.end()) {
      sum.duplicates.emplace_back(answer.daemon, (*same)->daemon);
      continue;
    }
    counted.push_back(&answer);
    sum.answered.push_back(answer.daemon);
  }
  // Name order, as ListJobs gives it for one daemon.
  std::map<std::string, std::vector<const v1::Job*>> records;
  for (const DaemonAnswer* answer : counted) {
    for (const v1::Job& job : answer->jobs) {
      records[job.name()].push_back(&job);
    }
  }
  if (followed.empty()) {
    for (const auto& [name, of_job] : records) {
      sum.jobs.push_back(MergeJob(of_job));
    }
    return sum;
  }
  for (const std::string& name : followed) {
    auto it = records.find(name);
    if (it == records.end()) {
      sum.waiting_for.push_back(name);
    } else {
      sum.jobs.push_back(MergeJob(it->second));
    }
  }
  return sum;
}

}  // namespace progress::reporter
