// Feeds IncrementSession, the code an Increment stream runs, a sequence of
// IncrementRequest messages decoded from the input, on several streams at
// once, and checks the registry's invariants (registry_checker.h) after
// each message: an accepted one applies exactly what its cursors moved, a
// refused one leaves the registry as it was and ends its stream.
//
// Input: records of [stream: 1 byte][length: 2 bytes, little endian]
// [a serialized IncrementRequest]. tests/fuzz/make_seeds.py writes some.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/stubs/logging.h"
#include "progress/v1/progress.pb.h"
#include "registry/job_registry.h"
#include "registry_checker.h"
#include "rpc/increment_session.h"

namespace progress::fuzz {
namespace {

// Enough streams for two of one client (a reconnect overlapping its old
// stream) and more clients than a job may have.
constexpr size_t kStreams = 6;

struct Stream {
  std::unique_ptr<IncrementSession> session;
  // An error ends a stream, as the server's Increment call does.
  bool ended = false;
};

class Driver {
 public:
  Driver()
      : registry_(SmallRegistry([this] { return now_; })),
        checker_(registry_.limits()) {}

  void Send(size_t stream_index, const v1::IncrementRequest& request) {
    // A closed stream's slot takes a new stream, which may reuse any id;
    // the old session is kept, as its cursors live on in the registry.
    Stream& stream = streams_[stream_index % kStreams];
    if (stream.session == nullptr || stream.ended) {
      if (stream.session != nullptr) closed_.push_back(std::move(stream));
      stream = Stream{std::make_unique<IncrementSession>(&registry_), false};
    }
    now_ += absl::Milliseconds(250);
    const RegistryState before = Observe();
    absl::Status status = stream.session->Apply(request);
    const RegistryState after = Observe();
    if (!status.ok()) {
      const absl::StatusCode code = status.code();
      Require(code == absl::StatusCode::kInvalidArgument ||
                  code == absl::StatusCode::kResourceExhausted ||
                  code == absl::StatusCode::kOutOfRange,
              "unexpected code: " + status.ToString());
      RequireUnchanged(before, after, status);
      stream.ended = true;
    } else {
      RequireApplied(stream, request, before, after);
      if (request.jobs_size() % 2 == 1) registry_.SampleRates();
    }
    checker_.Check(after);
  }

 private:
  // Every job named holds, for this client, the larger of what it held and
  // what the message said.
  void RequireApplied(const Stream& stream, const v1::IncrementRequest& request,
                      const RegistryState& before,
                      const RegistryState& after) const {
    const std::string& client = stream.session->client_id();
    Require(!client.empty(), "a message applied without a client id");
    for (const v1::JobCounts& entry : request.jobs()) {
      const auto key = std::make_pair(entry.job(), client);
      auto now = after.cursors.find(key);
      Require(now != after.cursors.end(), "an applied job has no cursor");
      auto old = before.cursors.find(key);
      const ClientCursor::Counts was =
          old == before.cursors.end() ? ClientCursor::Counts{} : old->second;
      Require(now->second.success == std::max(was.success, entry.success()) &&
                  now->second.failure == std::max(was.failure, entry.failure()),
              "job '" + entry.job() + "': the cursor is not the larger of " +
                  "what it held and what the message said");
    }
  }

  // The cursors of every stream ever opened: each cursor was made by one,
  // and Recorded() shows what it holds.
  RegistryState Observe() const {
    CursorCounts counts;
    auto add = [&counts](const Stream& stream) {
      if (stream.session == nullptr) return;
      const v1::IncrementResponse recorded = stream.session->Recorded();
      for (const v1::JobCounts& job : recorded.recorded()) {
        const auto key = std::make_pair(job.job(), stream.session->client_id());
        auto [it, inserted] = counts.emplace(
            key, ClientCursor::Counts{job.success(), job.failure()});
        Require(inserted || (it->second.success == job.success() &&
                             it->second.failure == job.failure()),
                "two streams of one client disagree on a cursor");
      }
    };
    for (const Stream& stream : streams_) add(stream);
    for (const Stream& stream : closed_) add(stream);
    return Capture(registry_, std::move(counts));
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  JobRegistry registry_;
  InvariantChecker checker_;
  Stream streams_[kStreams];
  std::vector<Stream> closed_;
};

}  // namespace
}  // namespace progress::fuzz

// Protobuf logs every string field that is not UTF-8, which most inputs
// have; the session never sees those messages, so the lines say nothing.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  progress::fuzz::Driver driver;
  progress::v1::IncrementRequest request;
  while (size >= 3) {
    const size_t stream = data[0];
    const size_t length = std::min<size_t>(data[1] | data[2] << 8, size - 3);
    data += 3;
    size -= 3;
    // What gRPC could not parse never reaches the session.
    if (request.ParseFromArray(data, static_cast<int>(length))) {
      driver.Send(stream, request);
    }
    data += length;
    size -= length;
  }
  return 0;
}
