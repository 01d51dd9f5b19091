#include "connection.h"

#include <grpcpp/support/channel_arguments.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon_channel.h"
#include "fork_handlers.h"
#include "fork_safe_clock.h"

namespace progress::client {
namespace {

// A restarted daemon is found within about this, plus gRPC's 20% jitter.
constexpr absl::Duration kMaxReconnectBackoff = absl::Seconds(1);
// How long ConnectError() may wait for an attempt under way to end.
// Short: callers wait on it, and a failed channel answers at once.
constexpr absl::Duration kConnectErrorWait = absl::Milliseconds(200);
// How long fork() may wait for a connection attempt in flight to end.
constexpr absl::Duration kSettleConnectWait = absl::Milliseconds(250);

}  // namespace

Connection::Connection(std::string target, internal::ChannelSecurity security)
    : target_(std::move(target)), security_(std::move(security)) {}

absl::Status Connection::Explain(absl::Status status) {
  if (absl::IsDeadlineExceeded(status) && Failing()) {
    const absl::Status why = ConnectError();
    if (absl::IsUnavailable(why)) {
      return absl::Status(
          status.code(),
          absl::StrCat(status.message(), "; cannot connect: ", why.message()));
    }
  }
  return internal::WithTlsContext(std::move(status), target_, security_);
}

absl::Status Connection::ConnectError() {
  grpc::ClientContext context;
  // Not waiting for the connection, the call fails at once with the reason
  // the last attempt failed. Should the channel connect meanwhile, this is
  // a read of one job name, harmless to the daemon.
  context.set_deadline(absl::ToChronoTime(Now() + kConnectErrorWait));
  absl::StatusOr<v1::ProgressTracker::Stub*> stub =
      BeginCall(&context, Caller::kFlusher);
  if (!stub.ok()) return stub.status();
  v1::ListJobsRequest request;
  request.set_page_size(1);
  v1::ListJobsResponse response;
  absl::Status status =
      internal::FromGrpcStatus((*stub)->ListJobs(&context, request, &response));
  EndCall(&context);
  return status.ok()
             ? status
             : internal::WithTlsContext(std::move(status), target_, security_);
}

grpc::Channel* Connection::Channel() {
  if (paused_) return nullptr;
  if (channel_ == nullptr) {
    PrepareGrpcForFork();
    grpc::ChannelArguments args;
    // Notice a daemon whose host vanished without closing the connection.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    // Our own subchannels: never share a connection with the host's gRPC
    // channels, and leave nothing behind when this channel is dropped.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // Credentials are made here, with the channel, and go with it: they
    // hold gRPC initialised, which must end before a fork.
    channel_ = internal::DaemonChannel(target_, kMaxReconnectBackoff, security_,
                                       std::move(args));
    stub_ = v1::ProgressTracker::NewStub(channel_);
  }
  return channel_.get();
}

absl::StatusOr<v1::ProgressTracker::Stub*> Connection::BeginCall(
    grpc::ClientContext* context, Caller caller) {
  absl::MutexLock lock(&mu_);
  if (Channel() == nullptr) {
    // Our own doing, like a cancellation: not the daemon's fault.
    return absl::CancelledError("call interrupted by fork()");
  }
  calls_.emplace(context, caller);
  return stub_.get();
}

void Connection::EndCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calls_.erase(context);
}

std::shared_ptr<grpc::Channel> Connection::SharedChannel() {
  absl::MutexLock lock(&mu_);
  if (Channel() == nullptr) return nullptr;
  return channel_;
}

bool Connection::AwaitReady(absl::Time deadline) {
  std::shared_ptr<grpc::Channel> channel = SharedChannel();
  if (channel == nullptr) return false;
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (!channel->WaitForStateChange(state, absl::ToChronoTime(deadline))) {
      return false;
    }
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return true;
}

bool Connection::StillReady() {
  std::shared_ptr<grpc::Channel> channel = SharedChannel();
  if (channel == nullptr ||
      channel->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) {
    return false;
  }
  channel->WaitForStateChange(
      GRPC_CHANNEL_READY, absl::ToChronoTime(Now() + absl::Milliseconds(1)));
  return channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
}

bool Connection::Failing() {
  absl::MutexLock lock(&mu_);
  return channel_ != nullptr && channel_->GetState(/*try_to_connect=*/false) ==
                                    GRPC_CHANNEL_TRANSIENT_FAILURE;
}

void Connection::CancelFlusherCalls() {
  absl::MutexLock lock(&mu_);
  for (const auto& [context, caller] : calls_) {
    if (caller == Caller::kFlusher) context->TryCancel();
  }
}

void Connection::PauseForFork() {
  absl::MutexLock lock(&mu_);
  paused_ = true;
  for (const auto& [context, caller] : calls_) context->TryCancel();
}

void Connection::ReleaseChannelForFork() {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ProgressTracker::Stub> stub;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](absl::flat_hash_map<grpc::ClientContext*, Caller>* calls) {
          return calls->empty();
        },
        &calls_));
    channel = std::move(channel_);
    stub = std::move(stub_);
  }
  if (channel != nullptr) SettleConnectAttempt(*channel);
  // Destroyed outside the lock: the last channel going shuts gRPC down.
}

void Connection::SettleConnectAttempt(grpc::Channel& channel) {
  // A connection attempt keeps gRPC alive after its channel is dropped until
  // it ends, and with no call on the channel no thread polls it to its end:
  // it would last until its timeout (seconds), past the fork. Polling it
  // here ends it in a moment on a reachable daemon.
  const absl::Time deadline = Now() + kSettleConnectWait;
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/false);
  while (state == GRPC_CHANNEL_CONNECTING &&
         channel.WaitForStateChange(state, absl::ToChronoTime(deadline))) {
    state = channel.GetState(/*try_to_connect=*/false);
  }
}

void Connection::Resume() {
  absl::MutexLock lock(&mu_);
  paused_ = false;
}

}  // namespace progress::client
