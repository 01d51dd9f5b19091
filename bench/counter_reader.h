#ifndef PROGRESS_BENCH_COUNTER_READER_H_
#define PROGRESS_BENCH_COUNTER_READER_H_

// Reads one job's success count the way a dashboard would: GetCounts from
// progressd, or GET of the job's key from Redis, each over a connection of
// its own.
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "channel_security.h"

namespace progress::bench {

enum class Backend { kProgressd, kRedis };

// "progressd" or "redis".
absl::StatusOr<Backend> ParseBackend(const std::string& name);

class CounterReader {
 public:
  virtual ~CounterReader() = default;
  // The job's success count; 0 for a job nobody has counted yet.
  virtual absl::StatusOr<uint64_t> Read() = 0;
  // Makes the job exist, as a driver does before its workers report, so
  // reads find it (progressd: StartJob; Redis: INCRBY 0).
  virtual absl::Status Create() = 0;
};

absl::StatusOr<std::unique_ptr<CounterReader>> MakeCounterReader(
    Backend backend, const std::string& address, const std::string& job,
    const internal::ChannelSecurity& security);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_COUNTER_READER_H_
