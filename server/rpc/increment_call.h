#ifndef PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
#define PROGRESS_SERVER_RPC_INCREMENT_CALL_H_

#include <grpcpp/support/async_stream.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rpc/call_tag.h"

namespace progress {

// One Increment client stream, from the request for it until its Finish.
//
// Runs on a write queue's thread only. It resolves each job it is sent once,
// keeping the (job, client) cursor, so the per-message path is a hash lookup
// local to the stream plus the cursor's atomic adds. A message is checked
// whole before any of it is created or applied: it lands entirely or not at
// all.
class IncrementCall final : public CallTag {
 public:
  // Posts a new call object waiting for the next Increment stream on `queue`.
  static void Arm(const QueueContext& queue);

  void Proceed(bool ok) override;

 private:
  explicit IncrementCall(const QueueContext& queue);
  ~IncrementCall() override;

  // Applies request_; an error ends the stream with that status.
  absl::Status ApplyRequest();
  absl::Status AdoptClientId();
  // Checks every entry of request_ and fills entries_, with a null cursor for
  // jobs this stream has not resolved yet (their names go to new_jobs_).
  absl::Status ValidateEntries();
  // Resolves new_jobs_ in one registry call and completes entries_.
  absl::Status ResolveNewJobs();
  v1::IncrementResponse Recorded() const;
  void FinishWith(const absl::Status& status);

  enum class State { kWaitingForCall, kReading, kFinishing };

  const QueueContext queue_;
  State state_ = State::kWaitingForCall;
  grpc::ServerContext context_;
  grpc::ServerAsyncReader<v1::IncrementResponse, v1::IncrementRequest> reader_;
  v1::IncrementRequest request_;

  std::string client_id_;
  absl::flat_hash_map<std::string, std::shared_ptr<ClientCursor>> cursors_;
  // Scratch space reused by every message, so steady-state messages allocate
  // nothing here. The views point into request_ and are only read while it
  // holds the message they came from.
  std::vector<std::pair<ClientCursor*, const v1::JobCounts*>> entries_;
  std::vector<absl::string_view> new_jobs_;
  absl::flat_hash_set<absl::string_view> seen_;
  uint64_t regressions_ = 0;
  bool accepted_ = false;  // A stream came; it counts as active until gone.
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_INCREMENT_CALL_H_
