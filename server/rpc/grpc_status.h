#ifndef PROGRESS_SERVER_RPC_GRPC_STATUS_H_
#define PROGRESS_SERVER_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace progress {

// The one place an absl::Status crosses into gRPC; the canonical codes of the
// two libraries are the same numbers.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_GRPC_STATUS_H_
