#ifndef PROGRESS_TESTS_GAUNTLET_HELPERS_H_
#define PROGRESS_TESTS_GAUNTLET_HELPERS_H_

// Raw-protobuf clients and daemon probes for the bad-input gauntlet and the
// memory test, which talk to a real progressd process.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "http_get.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::testing {

inline std::unique_ptr<v1::ProgressTracker::Stub> StubOn(
    const std::string& address, int channel = 0) {
  // Distinct arguments, so each channel number gets its own connection.
  grpc::ChannelArguments arguments;
  arguments.SetInt("progress.test.channel", channel);
  // The oversized messages are the point; let this side send them.
  arguments.SetMaxSendMessageSize(-1);
  return v1::ProgressTracker::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), arguments));
}

// A stream held open until closed or destroyed (which cancels it).
struct OpenStream {
  explicit OpenStream(v1::ProgressTracker::Stub& stub)
      : writer(stub.Increment(&context, &response)) {}
  grpc::Status Close() {
    writer->WritesDone();
    return writer->Finish();
  }
  grpc::ClientContext context;
  v1::IncrementResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> writer;
};

// The value of the first sample of `name` whose labels contain every one of
// `labels` (like `rpc="Increment"`), from the daemon's /metrics; nullopt if
// unreadable or absent.
inline std::optional<double> Metric(
    int metrics_port, const std::string& name,
    const std::vector<std::string>& labels = {}) {
  const std::optional<std::string> body = HttpGet(metrics_port, "/metrics");
  if (!body) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*body, '\n')) {
    if (!absl::StartsWith(line, name + "{") &&
        !absl::StartsWith(line, name + " ")) {
      continue;
    }
    bool all = true;
    for (const std::string& label : labels) {
      all = all && absl::StrContains(line, label);
    }
    double value = 0;
    const size_t space = line.rfind(' ');
    if (all && absl::SimpleAtod(line.substr(space + 1), &value)) return value;
  }
  return std::nullopt;
}

// Waits (up to 60 s) until the daemon's open-stream gauge satisfies `done`.
template <typename Done>
bool WaitForActiveStreams(int metrics_port, Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    const std::optional<double> active =
        Metric(metrics_port, "progress_tracker_increment_streams_active");
    if (active && done(static_cast<int64_t>(*active))) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// Resident memory of process `pid` in KiB (VmRSS in /proc/PID/status).
inline int64_t ResidentKiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!absl::StartsWith(line, "VmRSS:")) continue;
    int64_t kib = 0;
    std::vector<std::string> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib;
  }
  return -1;
}

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_GAUNTLET_HELPERS_H_
