#include "rpc/increment_session.h"

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"

namespace progress {

absl::Status IncrementSession::Apply(const v1::IncrementRequest& request) {
  if (absl::Status adopted = AdoptClientId(request); !adopted.ok()) {
    return adopted;
  }
  if (absl::Status valid = ValidateEntries(request); !valid.ok()) return valid;
  if (absl::Status resolved = ResolveNewJobs(); !resolved.ok()) return resolved;
  for (const auto& [cursor, entry] : entries_) {
    // Cannot fail: ValidateEntries checked every value against the cap, the
    // only refusal Apply has for a resolved cursor.
    absl::StatusOr<ApplyResult> result =
        registry_->Apply(*cursor, entry->success(), entry->failure());
    if (!result.ok()) return result.status();
    if (result->regressed) ++regressions_;
  }
  closing_ = closing_ || request.closing();
  return absl::OkStatus();
}

IncrementSession::~IncrementSession() {
  // An older stream of a client that has since closed, ending after the
  // closing one: the entries it held are folded now that it lets go.
  for (auto& [job, cursor] : cursors_) {
    if (cursor->closing()) registry_->Retire(client_id_, std::move(cursor));
  }
}

void IncrementSession::RetireIfClosing() {
  if (!closing_) return;
  for (auto& [job, cursor] : cursors_) {
    cursor->MarkClosing();
    registry_->Retire(client_id_, std::move(cursor));
  }
  cursors_.clear();
}

absl::Status IncrementSession::AdoptClientId(
    const v1::IncrementRequest& request) {
  if (client_id_.empty()) {
    if (request.client_id().empty()) {
      return absl::InvalidArgumentError(
          "the first message of an Increment stream must carry client_id");
    }
    absl::Status valid = JobRegistry::ValidateClientId(request.client_id());
    if (!valid.ok()) return valid;
    client_id_ = request.client_id();
    return absl::OkStatus();
  }
  if (!request.client_id().empty() && request.client_id() != client_id_) {
    return absl::InvalidArgumentError(
        "client_id changed in the middle of an Increment stream");
  }
  return absl::OkStatus();
}

absl::Status IncrementSession::ValidateEntries(
    const v1::IncrementRequest& request) {
  entries_.clear();
  new_jobs_.clear();
  seen_.clear();
  const bool may_repeat = request.jobs_size() > 1;
  for (const v1::JobCounts& entry : request.jobs()) {
    ClientCursor* cursor = nullptr;
    auto cached = cursors_.find(entry.job());
    if (cached != cursors_.end()) {
      cursor = cached->second.get();
    } else {
      // A cached name was valid when it was first resolved.
      if (absl::Status valid = registry_->ValidateJobName(entry.job());
          !valid.ok()) {
        return valid;
      }
      new_jobs_.push_back(entry.job());
    }
    if (may_repeat && !seen_.insert(entry.job()).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "job '%s' appears twice in one message", entry.job()));
    }
    if (absl::Status within = registry_->CheckCumulative(
            entry.job(), entry.success(), entry.failure());
        !within.ok()) {
      return within;
    }
    entries_.emplace_back(cursor, &entry);
  }
  return absl::OkStatus();
}

absl::Status IncrementSession::ResolveNewJobs() {
  if (new_jobs_.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<std::shared_ptr<ClientCursor>>> resolved =
      registry_->ResolveCursors(new_jobs_, client_id_);
  if (!resolved.ok()) return resolved.status();
  // ResolveCursors answers in new_jobs_ order, which is entries_ order.
  auto next = resolved->begin();
  for (auto& [cursor, entry] : entries_) {
    if (cursor != nullptr) continue;
    cursor = next->get();
    cursors_.emplace(entry->job(), std::move(*next));
    ++next;
  }
  return absl::OkStatus();
}

void IncrementSession::ReleaseScratch() {
  decltype(entries_)().swap(entries_);
  decltype(new_jobs_)().swap(new_jobs_);
  seen_ = decltype(seen_)();
}

v1::IncrementResponse IncrementSession::Recorded() const {
  v1::IncrementResponse response;
  for (const auto& [job, cursor] : cursors_) {
    const ClientCursor::Counts applied = cursor->applied();
    v1::JobCounts* recorded = response.add_recorded();
    recorded->set_job(job);
    recorded->set_success(applied.success);
    recorded->set_failure(applied.failure);
  }
  return response;
}

}  // namespace progress
