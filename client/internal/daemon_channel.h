#ifndef PROGRESS_CLIENT_INTERNAL_DAEMON_CHANNEL_H_
#define PROGRESS_CLIENT_INTERNAL_DAEMON_CHANNEL_H_

// What every program that talks to progressd needs from gRPC: a channel that
// finds a restarted daemon quickly, and statuses as absl::Status. Shared by
// the client library and the reporter; not installed.
#include <grpcpp/channel.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "channel_security.h"

namespace progress::internal {

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// A channel to `target`, secured as `security` says (plaintext by default),
// whose reconnect backoff starts at 100 ms and stays under
// `max_reconnect_backoff`: gRPC's own default grows to two minutes, far too
// slow to notice a daemon that came back.
inline std::shared_ptr<grpc::Channel> DaemonChannel(
    const std::string& target, absl::Duration max_reconnect_backoff,
    const ChannelSecurity& security = {}, grpc::ChannelArguments args = {}) {
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // Despite its name, gRPC uses this as the least time one connection
  // attempt may take before it is abandoned: too short, and an attempt that
  // no thread happens to be polling for fails although the daemon is up.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetInt(
      GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(max_reconnect_backoff)));
  AddSecurityArguments(security, &args);
  return grpc::CreateCustomChannel(target, Credentials(security), args);
}

}  // namespace progress::internal

#endif  // PROGRESS_CLIENT_INTERNAL_DAEMON_CHANNEL_H_
