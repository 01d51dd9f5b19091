#ifndef PROGRESS_TESTS_RECORDER_PROCESS_H_
#define PROGRESS_TESTS_RECORDER_PROCESS_H_

// increment_recorder (a stand-in daemon that prints every Increment message
// it gets) run as a child process, and what it printed, parsed into
// streams: for tests of what the client library puts on the wire. The test
// is built with INCREMENT_RECORDER_PATH (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "child_process.h"

namespace progress::testing {

// One job's values in a message: success, failure.
using Values = std::pair<uint64_t, uint64_t>;

// One Increment stream as the recorder saw it.
struct Stream {
  std::vector<bool> closing;  // per message
  // Each job's values, as the stream last named them.
  std::map<std::string, Values> jobs;
  std::string end;  // OK, CANCELLED, UNAVAILABLE; empty while open
};

// The streams of `streams` that say they are closing.
inline std::vector<const Stream*> Closing(
    const std::map<int, Stream>& streams) {
  std::vector<const Stream*> closing;
  for (const auto& [number, stream] : streams) {
    for (bool flag : stream.closing) {
      if (flag) {
        closing.push_back(&stream);
        break;
      }
    }
  }
  return closing;
}

// Whether one of `streams` ended OK.
inline bool EndedOk(const std::vector<const Stream*>& streams) {
  for (const Stream* stream : streams) {
    if (stream->end == "OK") return true;
  }
  return false;
}

// increment_recorder on loopback, and what it printed.
class Recorder {
 public:
  explicit Recorder(int port = 0, int failed_closing_streams = 0)
      : process_({INCREMENT_RECORDER_PATH, std::to_string(port),
                  std::to_string(failed_closing_streams)}) {
    EXPECT_TRUE(WaitFor("LISTENING ")) << process_.output();
    for (const std::string& line : Lines()) {
      absl::string_view rest = line;
      if (absl::ConsumePrefix(&rest, "LISTENING ")) {
        EXPECT_TRUE(absl::SimpleAtoi(rest, &port_));
      }
    }
    EXPECT_GT(port_, 0) << process_.output();
  }

  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // True once a whole line holds `text`; false after 20 s.
  bool WaitFor(const std::string& text) const {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      for (const std::string& line : Lines()) {
        if (absl::StrContains(line, text)) return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // The streams so far, by number.
  std::map<int, Stream> Streams() const {
    std::map<int, Stream> streams;
    for (const std::string& line : Lines()) {
      std::istringstream words(line);
      std::string kind, third, jobs;
      int number = 0;
      words >> kind >> number >> third >> jobs;
      if (kind == "END") streams[number].end = third;
      if (kind != "MSG") continue;
      Stream& stream = streams[number];
      stream.closing.push_back(third == "closing=1");
      absl::string_view entries = jobs;
      absl::ConsumePrefix(&entries, "jobs=");
      for (absl::string_view entry : absl::StrSplit(entries, ',')) {
        std::vector<std::string> parts = absl::StrSplit(entry, ':');
        if (parts.size() != 3) continue;
        Values& values = stream.jobs[parts[0]];
        EXPECT_TRUE(absl::SimpleAtoi(parts[1], &values.first));
        EXPECT_TRUE(absl::SimpleAtoi(parts[2], &values.second));
      }
    }
    return streams;
  }

  // The streams once a closing one has ended OK: the lines the recorder
  // printed before it answered the client may still be on their way here.
  std::map<int, Stream> StreamsOnceClosed() const {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    std::map<int, Stream> streams = Streams();
    while (!EndedOk(Closing(streams)) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
      streams = Streams();
    }
    return streams;
  }

  // Every value any message carried for `job`.
  std::vector<Values> Sent(const std::string& job) const {
    std::vector<Values> sent;
    const std::string entry = job + ":";
    for (const std::string& line : Lines()) {
      if (!absl::StartsWith(line, "MSG ")) continue;
      for (absl::string_view item :
           absl::StrSplit(line, absl::ByAnyChar("=,"))) {
        if (!absl::ConsumePrefix(&item, entry)) continue;
        std::vector<std::string> parts = absl::StrSplit(item, ':');
        Values values;
        EXPECT_TRUE(parts.size() == 2 &&
                    absl::SimpleAtoi(parts[0], &values.first) &&
                    absl::SimpleAtoi(parts[1], &values.second))
            << line;
        sent.push_back(values);
      }
    }
    return sent;
  }

 private:
  // The whole lines printed so far.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines = absl::StrSplit(process_.output(), '\n');
    lines.pop_back();  // What follows the last newline: not yet a line.
    return lines;
  }

  ChildProcess process_;
  int port_ = 0;
};

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_RECORDER_PROCESS_H_
