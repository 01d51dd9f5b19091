#ifndef PROGRESS_SERVER_RPC_CALL_TAG_H_
#define PROGRESS_SERVER_RPC_CALL_TAG_H_

#include <grpcpp/server_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "progress/v1/progress.grpc.pb.h"
#include "registry/job_registry.h"
#include "rpc/commit_gate.h"
#include "rpc/increment_streams.h"
#include "rpc/progress_service.h"
#include "rpc/server_stats.h"

namespace progress {

// What every completion-queue tag is: one RPC in progress, advanced by its
// queue's thread each time an operation it started completes. `ok` is false
// when a read found the end of a client stream, when a call was cancelled, or
// when the server is shutting down: normal transitions, never errors.
class CallTag {
 public:
  virtual ~CallTag() = default;
  virtual void Proceed(bool ok) = 0;
};

// Counts the call objects alive, so shutdown can wait until every one has
// seen its last completion before the queues are shut down (after which no
// call may start another operation).
class LiveCalls {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void Remove() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  void WaitUntilNone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* count) { return *count == 0; }, &count_));
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Everything a call needs from the queue it is served on.
struct QueueContext {
  ProgressAsyncService* service = nullptr;
  grpc::ServerCompletionQueue* queue = nullptr;
  JobRegistry* registry = nullptr;
  LiveCalls* live_calls = nullptr;
  ServerStats* stats = nullptr;
  // This queue's own counters; set on write queues only.
  WriteQueueStats* write_stats = nullptr;
  // Where a closing Increment stream waits for durability; null without a
  // state file.
  CommitGate* commit_gate = nullptr;
  // The open Increment streams and their limits; set on write queues only.
  IncrementStreams* streams = nullptr;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_CALL_TAG_H_
