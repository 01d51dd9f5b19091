#ifndef PROGRESS_TESTS_NOT_PROGRESSD_H_
#define PROGRESS_TESTS_NOT_PROGRESSD_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace progress::testing {

// A gRPC server on loopback that is not progressd: gRPC's default generic
// service answers every method UNIMPLEMENTED. Its health service (gRPC's
// own) is off, or says what `health` asks of progressd's service name.
class NotProgressd {
 public:
  enum class Health { kOff, kNotServing, kWithoutTheService };

  explicit NotProgressd(Health health) {
    // A process-wide switch, read when a server is built.
    grpc::EnableDefaultHealthCheckService(health != Health::kOff);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterCallbackGenericService(&unknown_methods_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
    if (health == Health::kNotServing) {
      server_->GetHealthCheckService()->SetServingStatus(
          "progress.v1.ProgressTracker", false);
    }
  }
  ~NotProgressd() {
    if (server_ != nullptr) server_->Shutdown();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  grpc::CallbackGenericService unknown_methods_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_NOT_PROGRESSD_H_
