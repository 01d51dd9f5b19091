#ifndef PROGRESS_TESTS_REPORTER_TEST_HELPERS_H_
#define PROGRESS_TESTS_REPORTER_TEST_HELPERS_H_

// What the tests that run progress-reporter as a process share.
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "child_process.h"
#include "test_server.h"

namespace progress::testing {

// Sends one client's cumulative counts on a short stream.
inline void Send(TestServer& server, const std::string& client,
                 const std::string& job, uint64_t success, uint64_t failure) {
  ASSERT_TRUE(SendAll(*server.NewStub(),
                      {Message(client, Counts(job, success, failure))})
                  .ok());
}

inline void StartJob(TestServer& server, const std::string& job,
                     uint64_t total) {
  auto stub = server.NewStub();
  grpc::ClientContext context;
  v1::StartJobRequest request;
  request.set_job(job);
  request.set_expected_total(total);
  v1::StartJobResponse response;
  ASSERT_TRUE(stub->StartJob(&context, request, &response).ok());
}

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// progress-reporter polling `address` every 100 ms; later flags win.
inline ChildProcess RunReporter(
    const std::string& address, std::vector<std::string> flags,
    StdoutCapture capture = StdoutCapture::kMerged) {
  std::vector<std::string> args = {PROGRESS_REPORTER_PATH,
                                   "--server=" + address, "--interval=100ms"};
  args.insert(args.end(), flags.begin(), flags.end());
  return ChildProcess(std::move(args), {}, capture);
}

// The seed's progress line, with the log prefix.
inline const std::regex kProgressLine(
    R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO progress-reporter: )"
    R"(Progress: [\d,]+/[\d,]+ \(\d+\.\d%\) \| success: [\d,]+ \| )"
    R"(failure: [\d,]+ \| [\d,]+ rec/s \| \d+\.\ds elapsed(, ETA \d+\.\ds)?$)");

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_REPORTER_TEST_HELPERS_H_
