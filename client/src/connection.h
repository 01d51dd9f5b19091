#ifndef PROGRESS_CLIENT_SRC_CONNECTION_H_
#define PROGRESS_CLIENT_SRC_CONNECTION_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "channel_security.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::client {

// A client's channel to progressd, made on first use, and the calls running
// on it. Every call registers its context here, so Shutdown and fork() can
// cancel what is in flight, and fork() can drop the channel once no call
// uses it: gRPC's state must not be live in the process when it forks.
//
// Thread-safe.
class Connection {
 public:
  Connection(std::string target, internal::ChannelSecurity security);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& target() const { return target_; }
  const internal::ChannelSecurity& security() const { return security_; }

  // A failed call's status made telling, its code kept: a call that waited
  // for a connection that never came says only that its deadline passed, so
  // it gains why (ConnectError); an UNAVAILABLE one over TLS gains the setup
  // tried (internal::WithTlsContext).
  absl::Status Explain(absl::Status status);
  // Why the channel cannot connect, as gRPC tells a call that does not wait:
  // "failed to connect to all addresses; last error: ...", explained as
  // above. OK if it has connected after all.
  absl::Status ConnectError();

  // Who runs a call: the flusher's Increment streams, or the host's threads
  // (StartJob, FinishJob, GetCounts).
  enum class Caller { kFlusher, kHost };

  // The stub to run one call on, with `context` registered until EndCall.
  // UNAVAILABLE while the process is forking.
  absl::StatusOr<v1::ProgressTracker::Stub*> BeginCall(
      grpc::ClientContext* context, Caller caller);
  void EndCall(grpc::ClientContext* context);

  // Connects if needed and waits, until `deadline`, for the channel to be
  // connected. With synchronous calls nothing drives gRPC's connection
  // attempts between our own calls, so this wait is what does.
  bool AwaitReady(absl::Time deadline);
  // Whether a connected channel still is: gRPC first reads what arrived on
  // it (a closed socket, a GOAWAY), which no one else does between calls.
  bool StillReady();
  // True when the last attempt to connect failed.
  bool Failing();

  // Cancels the flusher's calls (Shutdown: the final flush takes over).
  void CancelFlusherCalls();

  // fork(): refuses new calls and cancels the running ones; then, once every
  // call has ended, drops the channel; Resume() allows calls again (on a new
  // channel) in the parent.
  void PauseForFork();
  void ReleaseChannelForFork();
  void Resume();

 private:
  // The channel, made if needed. Null while paused.
  grpc::Channel* Channel() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<grpc::Channel> SharedChannel();
  static void SettleConnectAttempt(grpc::Channel& channel);

  const std::string target_;
  const internal::ChannelSecurity security_;
  absl::Mutex mu_;
  std::shared_ptr<grpc::Channel> channel_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<v1::ProgressTracker::Stub> stub_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<grpc::ClientContext*, Caller> calls_ ABSL_GUARDED_BY(mu_);
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_CONNECTION_H_
