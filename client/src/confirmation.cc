#include "confirmation.h"

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "increment_stream.h"

namespace progress::client {
namespace {

// Writes `values` on a fresh stream, closes it, and returns its status and
// the daemon's reply.
absl::Status SendAndClose(Connection& connection, const std::string& client_id,
                          const std::vector<JobValues>& values,
                          absl::Time deadline, bool wait_for_ready,
                          bool closing, v1::IncrementResponse* response) {
  absl::StatusOr<std::unique_ptr<IncrementStream>> stream =
      IncrementStream::Open(connection, client_id, deadline, wait_for_ready,
                            closing);
  if (!stream.ok()) return stream.status();
  (*stream)->Write(values);  // If it breaks, Close says why.
  return (*stream)->Close(response);
}

}  // namespace

bool IsRefusal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsResourceExhausted(status) ||
         absl::IsOutOfRange(status);
}

absl::Status ConfirmAll(Connection& connection, const std::string& client_id,
                        JobTable& jobs, absl::Time deadline, bool closing) {
  const std::vector<JobValues> all = jobs.Take(JobTable::Which::kAll);
  if (all.empty()) return absl::OkStatus();
  v1::IncrementResponse response;
  if (absl::Status sent =
          SendAndClose(connection, client_id, all, deadline,
                       /*wait_for_ready=*/true, closing, &response);
      !sent.ok()) {
    return sent;
  }
  absl::flat_hash_map<std::string, const v1::JobCounts*> recorded;
  for (const v1::JobCounts& counts : response.recorded()) {
    recorded[counts.job()] = &counts;
  }
  for (const JobValues& value : all) {
    auto it = recorded.find(value.counter->name);
    if (it == recorded.end() || it->second->success() < value.success ||
        it->second->failure() < value.failure) {
      return absl::InternalError(
          absl::StrCat("progressd did not record the counts sent for job '",
                       value.counter->name, "'"));
    }
  }
  for (const JobValues& value : all) {
    const v1::JobCounts& counts = *recorded[value.counter->name];
    value.counter->confirmed_success = counts.success();
    value.counter->confirmed_failure = counts.failure();
  }
  return absl::OkStatus();
}

absl::Status FindRefusedJobs(Connection& connection,
                             const std::string& client_id, JobTable& jobs,
                             absl::Time deadline,
                             std::vector<RefusedJob>* refused) {
  for (const JobValues& value : jobs.Take(JobTable::Which::kAll)) {
    // Never closing, even in the final flush: a probe is not the client's
    // last word on the job; the final flush's next attempt is.
    const absl::Status status =
        SendAndClose(connection, client_id, {value}, deadline,
                     /*wait_for_ready=*/false, /*closing=*/false,
                     /*response=*/nullptr);
    if (status.ok()) continue;
    if (!IsRefusal(status)) return status;
    value.counter->refused = true;
    value.counter->refusal = std::string(status.message());
    refused->push_back({value.counter->name, status});
  }
  return absl::OkStatus();
}

}  // namespace progress::client
