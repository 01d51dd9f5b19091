#include "rpc/progress_service.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace progress {
namespace {

// Increment's index among the service's methods, in the order of the proto.
constexpr int kIncrementMethod = 0;

}  // namespace

ProgressAsyncService::ProgressAsyncService() {
  // The generated code names methods by index only, in the proto's order; a
  // reordered proto must fail loudly here, never route Increment's streams
  // to another method.
  const google::protobuf::ServiceDescriptor* service =
      v1::IncrementRequest::descriptor()->file()->FindServiceByName(
          "ProgressTracker");
  if (service == nullptr ||
      service->method(kIncrementMethod)->name() != "Increment") {
    spdlog::critical("progress.proto's first method is not Increment");
    std::abort();
  }
}

void ProgressAsyncService::RequestRawIncrement(
    grpc::ServerContext* context, RawIncrementReader* reader,
    grpc::CompletionQueue* new_call_queue,
    grpc::ServerCompletionQueue* notification_queue, void* tag) {
  // The generated RequestIncrement does exactly this with a typed reader;
  // for a client stream the reader alone decides how messages are decoded.
  RequestAsyncClientStreaming(kIncrementMethod, context, reader, new_call_queue,
                              notification_queue, tag);
}

}  // namespace progress
