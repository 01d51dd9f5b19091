#ifndef PROGRESS_SERVER_RPC_COMMIT_GATE_H_
#define PROGRESS_SERVER_RPC_COMMIT_GATE_H_

#include <functional>

#include "absl/status/status.h"

namespace progress {

// Where the end of an Increment stream waits until what it applied survives
// a crash of the daemon, so that the reply a client's Flush() waits for
// means "durable". Implemented by the state file's snapshotter; the server
// runs without one when there is no state file.
class CommitGate {
 public:
  using Done = std::function<void(const absl::Status& durable)>;

  virtual ~CommitGate() = default;

  // Calls `done` once every change the registry had counted when this was
  // called is in a durable snapshot (OK), or, at shutdown, when that can no
  // longer happen (UNAVAILABLE). Runs `done` at once, on the calling
  // thread, when nothing new has been counted since the last snapshot;
  // otherwise on the gate's own thread, so a completion-queue thread never
  // waits for a disk.
  virtual void AwaitDurable(Done done) = 0;

  // For shutdown, once no stream can apply anything more: one last snapshot
  // for whatever waits, then every waiter is answered, and later calls are
  // answered at once.
  virtual void Release() = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_COMMIT_GATE_H_
