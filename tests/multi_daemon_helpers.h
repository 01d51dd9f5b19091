#ifndef PROGRESS_TESTS_MULTI_DAEMON_HELPERS_H_
#define PROGRESS_TESTS_MULTI_DAEMON_HELPERS_H_

// What the tests of the reporter against several daemons, and of --check,
// share: raw calls to a daemon by address (as separate worker processes and
// drivers would make them), and gRPC servers that are not progressd.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "not_progressd.h"
#include "progress/v1/progress.grpc.pb.h"
#include "test_server.h"

namespace progress::testing {

inline std::unique_ptr<v1::ProgressTracker::Stub> StubTo(
    const std::string& address) {
  return v1::ProgressTracker::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// One client's cumulative counts for `job`, sent to the daemon at `address`.
inline void SendTo(const std::string& address, const std::string& client,
                   const std::string& job, uint64_t success, uint64_t failure) {
  const grpc::Status sent = SendAll(
      *StubTo(address), {Message(client, Counts(job, success, failure))});
  ASSERT_TRUE(sent.ok()) << address << ": " << sent.error_message();
}

inline void StartJobOn(const std::string& address, const std::string& job,
                       uint64_t total) {
  grpc::ClientContext context;
  v1::StartJobRequest request;
  request.set_job(job);
  request.set_expected_total(total);
  v1::StartJobResponse response;
  ASSERT_TRUE(StubTo(address)->StartJob(&context, request, &response).ok());
}

inline void FinishJobOn(const std::string& address, const std::string& job) {
  grpc::ClientContext context;
  v1::FinishJobRequest request;
  request.set_job(job);
  v1::FinishJobResponse response;
  ASSERT_TRUE(StubTo(address)->FinishJob(&context, request, &response).ok());
}

// Each line of `text` parsed as a JSON object; fails the test on any other.
inline std::vector<google::protobuf::Struct> JsonLines(
    const std::string& text) {
  std::vector<google::protobuf::Struct> objects;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct object;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &object)
            .ok())
        << "not a JSON line: " << line;
    objects.push_back(std::move(object));
  }
  return objects;
}

// The strings of a JSON array field.
inline std::vector<std::string> Strings(const google::protobuf::Struct& object,
                                        const std::string& field) {
  std::vector<std::string> strings;
  for (const auto& value : object.fields().at(field).list_value().values()) {
    strings.push_back(value.string_value());
  }
  return strings;
}

// The reporter's last JSON object for `job`.
inline std::optional<google::protobuf::Struct> LastOf(
    const std::string& stdout_text, const std::string& job) {
  std::optional<google::protobuf::Struct> last;
  for (auto& object : JsonLines(stdout_text)) {
    if (object.fields().at("job").string_value() == job) last = object;
  }
  return last;
}

// How often `text` occurs in `output`.
inline size_t Count(const std::string& output, const std::string& text) {
  size_t count = 0;
  for (size_t at = output.find(text); at != std::string::npos;
       at = output.find(text, at + 1)) {
    ++count;
  }
  return count;
}

// True once the reporter's stdout has a JSON object for `job` that `holds`.
template <typename Predicate>
bool WaitForJson(const ChildProcess& reporter, const std::string& job,
                 Predicate holds) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    for (const auto& object : JsonLines(reporter.stdout_output())) {
      if (object.fields().at("job").string_value() == job && holds(object)) {
        return true;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

inline bool Field(const google::protobuf::Struct& object,
                  const std::string& name) {
  return object.fields().at(name).bool_value();
}

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_MULTI_DAEMON_HELPERS_H_
