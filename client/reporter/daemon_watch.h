#ifndef PROGRESS_CLIENT_REPORTER_DAEMON_WATCH_H_
#define PROGRESS_CLIENT_REPORTER_DAEMON_WATCH_H_

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "daemon_set.h"
#include "job_sum.h"

namespace progress::reporter {

// What the reporter says about the daemons it polls, once per change and
// not once per poll: a daemon going away and coming back, one reached twice,
// the addresses a --server name stands for as pods come and go. Also knows
// which --server entries were ever reached, for --connect_timeout.
// Not thread-safe.
class DaemonWatch {
 public:
  // `several`: messages about a missing daemon say the sums go on without
  // it; with one daemon they read as they always have.
  DaemonWatch(std::vector<std::string> servers, bool several, bool each_address,
              std::shared_ptr<spdlog::logger> log);

  // Takes in one poll: the daemons asked, their answers and their sum.
  void Observe(const DaemonSet::Resolution& resolution,
               const std::vector<DaemonAnswer>& answers, const PollSum& sum);

  // The --server entries of which no daemon has answered yet (with counts
  // or with an error), each with why its last poll failed.
  std::vector<std::pair<std::string, absl::Status>> NeverReached() const;

  // "10.0.0.7:50051 (of progressd.ray.svc:50051)" for a daemon found by
  // resolving a name, else the target alone.
  std::string Describe(const std::string& target) const;

 private:
  enum class State { kAnswered, kUnreachable, kError };

  void LogResolution(const DaemonSet::Resolution& resolution);
  void LogTransition(const std::string& target, State state,
                     const absl::Status& status);

  const std::vector<std::string> servers_;
  const bool several_;
  const bool each_address_;
  const std::shared_ptr<spdlog::logger> log_;
  absl::flat_hash_map<std::string, State> states_;           // By target.
  absl::flat_hash_map<std::string, std::string> server_of_;  // Target's.
  absl::flat_hash_map<std::string, std::vector<std::string>> resolved_;
  absl::flat_hash_set<std::string> reached_servers_;
  absl::flat_hash_map<std::string, absl::Status> last_failure_;  // Server's.
  absl::flat_hash_set<std::string> duplicates_logged_;
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_DAEMON_WATCH_H_
