#ifndef PROGRESS_BENCH_REDIS_CONNECTION_H_
#define PROGRESS_BENCH_REDIS_CONNECTION_H_

// Just enough of Redis's protocol (RESP2) for the comparison: commands with
// string arguments, pipelined, and integer or bulk-string replies. A
// careful user's client does no less per command; it keeps the measurement
// free of a client library's own costs and of one more dependency.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace progress::bench {

class RedisConnection {
 public:
  // `address` is host:port, IPv4 (the benchmarks use loopback only).
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const std::string& address);
  ~RedisConnection();

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Queues one command; nothing is sent until Send().
  void Append(std::initializer_list<absl::string_view> args);
  absl::Status Send();
  // The next reply: an integer, or a bulk string holding one (nil is 0).
  absl::StatusOr<int64_t> ReadInteger();

  // Append + Send + ReadInteger.
  absl::StatusOr<int64_t> Call(std::initializer_list<absl::string_view> args);

 private:
  explicit RedisConnection(int fd) : fd_(fd) {}
  absl::StatusOr<std::string> ReadLine();
  absl::Status Fill();

  int fd_;
  std::string out_;
  std::string in_;
  size_t in_pos_ = 0;
};

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_REDIS_CONNECTION_H_
