// A stand-in for progressd that says what clients send it, for tests of what
// the client library puts on the wire:
//   increment_recorder PORT [FAILED_CLOSING_STREAMS]
// Listens on 127.0.0.1:PORT (0: any free port) and prints "LISTENING
// <port>". Then, one line per Increment message and one per stream end:
//   MSG <stream> closing=<0|1> jobs=<job>:<success>:<failure>,...
//   END <stream> <OK|CANCELLED|UNAVAILABLE>
// Streams are numbered as they start, from 1. It answers a stream as
// progressd does: with the largest values it holds of that client for each
// job the stream named. The first FAILED_CLOSING_STREAMS streams whose
// messages set `closing` end UNAVAILABLE instead (a lost reply), so a test
// can watch the client retry. Only Increment is served.
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "progress/v1/progress.grpc.pb.h"

namespace {

using progress::v1::IncrementRequest;
using progress::v1::IncrementResponse;
using progress::v1::JobCounts;

class Recorder final : public progress::v1::ProgressTracker::Service {
 public:
  explicit Recorder(int failed_closing_streams)
      : failed_closing_left_(failed_closing_streams) {}

  grpc::Status Increment(grpc::ServerContext* context,
                         grpc::ServerReader<IncrementRequest>* reader,
                         IncrementResponse* response) override {
    const int stream = NextStream();
    std::string client_id;
    bool closing = false;
    std::set<std::string> named;
    IncrementRequest message;
    while (reader->Read(&message)) {
      if (!message.client_id().empty()) client_id = message.client_id();
      closing = closing || message.closing();
      Record(stream, client_id, message);
      for (const JobCounts& counts : message.jobs()) named.insert(counts.job());
    }
    if (context->IsCancelled()) {
      Print("END " + std::to_string(stream) + " CANCELLED");
      return grpc::Status::CANCELLED;
    }
    if (closing && TakeClosingFailure()) {
      Print("END " + std::to_string(stream) + " UNAVAILABLE");
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "reply lost");
    }
    Answer(client_id, named, response);
    Print("END " + std::to_string(stream) + " OK");
    return grpc::Status::OK;
  }

 private:
  struct Values {
    uint64_t success = 0;
    uint64_t failure = 0;
  };

  int NextStream() {
    std::lock_guard<std::mutex> lock(mu_);
    return ++streams_;
  }

  bool TakeClosingFailure() {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_closing_left_ == 0) return false;
    --failed_closing_left_;
    return true;
  }

  // Prints the message and keeps the largest values of each job, as the
  // daemon keeps what it applied.
  void Record(int stream, const std::string& client_id,
              const IncrementRequest& message) {
    std::string line = "MSG " + std::to_string(stream) +
                       " closing=" + (message.closing() ? "1" : "0") + " jobs=";
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < message.jobs_size(); ++i) {
      const JobCounts& counts = message.jobs(i);
      if (i > 0) line += ",";
      line += counts.job() + ":" + std::to_string(counts.success()) + ":" +
              std::to_string(counts.failure());
      Values& held = held_[client_id][counts.job()];
      held.success = std::max(held.success, counts.success());
      held.failure = std::max(held.failure, counts.failure());
    }
    PrintLocked(line);
  }

  void Answer(const std::string& client_id, const std::set<std::string>& named,
              IncrementResponse* response) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& job : named) {
      const Values& held = held_[client_id][job];
      JobCounts* counts = response->add_recorded();
      counts->set_job(job);
      counts->set_success(held.success);
      counts->set_failure(held.failure);
    }
  }

  void Print(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    PrintLocked(line);
  }

  // Whole lines, flushed at once: the test reads them as they come.
  void PrintLocked(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

  std::mutex mu_;
  int streams_ = 0;
  int failed_closing_left_;
  std::map<std::string, std::map<std::string, Values>> held_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr,
                 "usage: increment_recorder PORT [FAILED_CLOSING_STREAMS]\n");
    return 2;
  }
  Recorder recorder(argc == 3 ? std::atoi(argv[2]) : 0);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::string("127.0.0.1:") + argv[1],
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&recorder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "increment_recorder: cannot listen on port %s\n",
                 argv[1]);
    return 1;
  }
  std::printf("LISTENING %d\n", port);
  std::fflush(stdout);
  server->Wait();
}
