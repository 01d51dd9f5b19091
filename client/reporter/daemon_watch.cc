#include "daemon_watch.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon_poller.h"

namespace progress::reporter {

DaemonWatch::DaemonWatch(std::vector<std::string> servers, bool several,
                         bool each_address, std::shared_ptr<spdlog::logger> log)
    : servers_(std::move(servers)),
      several_(several),
      each_address_(each_address),
      log_(std::move(log)) {}

std::string DaemonWatch::Describe(const std::string& target) const {
  auto it = server_of_.find(target);
  if (it == server_of_.end() || it->second == target) return target;
  return absl::StrCat(target, " (of ", it->second, ")");
}

void DaemonWatch::LogResolution(const DaemonSet::Resolution& resolution) {
  absl::flat_hash_map<std::string, std::vector<std::string>> now;
  server_of_.clear();
  for (const DaemonSet::Daemon& daemon : resolution.daemons) {
    server_of_[daemon.address.target] = daemon.address.server;
    now[daemon.address.server].push_back(daemon.address.target);
  }
  if (!each_address_) return;
  // A name's addresses are its daemons: say when that set changes, since a
  // daemon that leaves takes its counts out of the sums.
  for (const auto& [server, targets] : now) {
    std::vector<std::string>& before = resolved_[server];
    // A name that did not resolve had a state of its own (see Observe);
    // resolving again ends it, and the line below says so.
    if (!server_of_.contains(server) && states_.erase(server) > 0) {
      before.clear();
    }
    if (before == targets) continue;
    log_->info("{} resolves to {} daemon{}: {}", server, targets.size(),
               targets.size() == 1 ? "" : "s", absl::StrJoin(targets, ", "));
    before = targets;
  }
  // Forget daemons no longer listed at all: if one comes back, it is new.
  // One listed as unresolved keeps its state, so it is reported once.
  absl::flat_hash_set<std::string> unresolved;
  for (const DaemonSet::Unresolved& name : resolution.unresolved) {
    unresolved.insert(name.server);
  }
  absl::erase_if(states_, [this, &unresolved](const auto& entry) {
    return !server_of_.contains(entry.first) &&
           !unresolved.contains(entry.first) &&
           std::find(servers_.begin(), servers_.end(), entry.first) ==
               servers_.end();
  });
}

void DaemonWatch::LogTransition(const std::string& target, State state,
                                const absl::Status& status) {
  auto [it, first_seen] = states_.try_emplace(target, state);
  const State before = it->second;
  it->second = state;
  if (state == State::kAnswered) {
    if (!first_seen && before != State::kAnswered) {
      log_->info("reached progressd at {}", Describe(target));
    }
    return;
  }
  if (!first_seen && before == state) return;  // Said already.
  const char* going_on =
      several_ ? "still polling; sums leave it out until it answers"
               : "still polling";
  if (state == State::kUnreachable) {
    log_->warn("cannot reach progressd at {} ({}); {}", Describe(target),
               status.ToString(), going_on);
  } else {
    log_->warn("progressd at {} answered with an error: {}; {}",
               Describe(target), status.ToString(), going_on);
  }
}

void DaemonWatch::Observe(const DaemonSet::Resolution& resolution,
                          const std::vector<DaemonAnswer>& answers,
                          const PollSum& sum) {
  LogResolution(resolution);
  for (const DaemonAnswer& answer : answers) {
    auto server = server_of_.find(answer.daemon);
    // An unresolved server answers under its own name.
    const std::string& of =
        server == server_of_.end() ? answer.daemon : server->second;
    const bool unreachable = IsUnreachable(answer.status);
    if (!unreachable) reached_servers_.insert(of);
    if (!answer.status.ok()) last_failure_[of] = answer.status;
    LogTransition(answer.daemon,
                  answer.status.ok()
                      ? State::kAnswered
                      : (unreachable ? State::kUnreachable : State::kError),
                  answer.status);
  }
  for (const auto& [daemon, same_as] : sum.duplicates) {
    if (!duplicates_logged_.insert(absl::StrCat(daemon, " ", same_as)).second) {
      continue;
    }
    log_->warn(
        "progressd at {} is the daemon at {} reached again (the same jobs, "
        "created at the same instants); counting it once",
        Describe(daemon), Describe(same_as));
  }
}

std::vector<std::pair<std::string, absl::Status>> DaemonWatch::NeverReached()
    const {
  std::vector<std::pair<std::string, absl::Status>> never;
  for (const std::string& server : servers_) {
    if (reached_servers_.contains(server)) continue;
    auto failure = last_failure_.find(server);
    never.emplace_back(server, failure == last_failure_.end()
                                   ? absl::UnavailableError("no answer yet")
                                   : failure->second);
  }
  return never;
}

}  // namespace progress::reporter
