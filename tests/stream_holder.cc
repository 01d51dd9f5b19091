// Opens Increment streams and holds them until killed, as a client process
// that dies without closing anything would leave them:
//   stream_holder ADDRESS STREAMS CHANNELS
// Spreads STREAMS over CHANNELS connections, sends a keepalive carrying a
// client id on each, prints "HOLDING <streams>", and then sends a keepalive
// on each every 500 ms as the client library does, so that only its death,
// never the daemon's idle timeout, ends them.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "progress/v1/progress.grpc.pb.h"

namespace {

struct HeldStream {
  grpc::ClientContext context;
  progress::v1::IncrementResponse response;
  std::unique_ptr<grpc::ClientWriter<progress::v1::IncrementRequest>> writer;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: stream_holder ADDRESS STREAMS CHANNELS\n");
    return 2;
  }
  const int streams = std::atoi(argv[2]);
  const int channels = std::atoi(argv[3]);
  std::vector<std::unique_ptr<progress::v1::ProgressTracker::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    // Distinct arguments, so each stub gets a connection of its own.
    grpc::ChannelArguments arguments;
    arguments.SetInt("progress.test.channel", i);
    stubs.push_back(
        progress::v1::ProgressTracker::NewStub(grpc::CreateCustomChannel(
            argv[1], grpc::InsecureChannelCredentials(), arguments)));
  }
  std::vector<std::unique_ptr<HeldStream>> held;
  for (int i = 0; i < streams; ++i) {
    auto stream = std::make_unique<HeldStream>();
    stream->writer =
        stubs[i % channels]->Increment(&stream->context, &stream->response);
    progress::v1::IncrementRequest keepalive;
    keepalive.set_client_id("holder-" + std::to_string(i));
    if (!stream->writer->Write(keepalive)) {
      std::fprintf(stderr, "stream_holder: stream %d broke\n", i);
      return 1;
    }
    held.push_back(std::move(stream));
  }
  std::printf("HOLDING %d\n", streams);
  std::fflush(stdout);
  const progress::v1::IncrementRequest keepalive;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (auto& stream : held) stream->writer->Write(keepalive);
  }
}
