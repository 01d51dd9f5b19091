#include "health_check.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"
#include "daemon_poller.h"
#include "exit_codes.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace progress::reporter {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// Between tries at a daemon that cannot be reached yet: a script that waits
// for a starting daemon (--connect_timeout=60s) sees it within this.
constexpr absl::Duration kRetryPause = absl::Milliseconds(100);

// One daemon being checked, and its latest answer.
struct Probe {
  std::string name;  // As messages name it.
  std::unique_ptr<Health::Stub> stub;
  std::unique_ptr<grpc::ClientContext> context;
  HealthCheckRequest request;
  HealthCheckResponse response;
  absl::Status status = absl::UnavailableError("not asked yet");
  bool tried = false;
  bool settled = false;  // Answered: asking again would not change it.
};

// Sends one Check to each of `probes` at once and waits for every answer.
void CheckAll(const std::vector<Probe*>& probes, absl::Time deadline) {
  if (probes.empty()) return;
  absl::BlockingCounter done(static_cast<int>(probes.size()));
  for (Probe* probe : probes) {
    probe->context = std::make_unique<grpc::ClientContext>();
    probe->context->set_deadline(absl::ToChronoTime(deadline));
    probe->request.set_service(kHealthService);
    probe->stub->async()->Check(
        probe->context.get(), &probe->request, &probe->response,
        [probe, &done](grpc::Status grpc_status) {
          absl::Status status = internal::FromGrpcStatus(grpc_status);
          // A call made while gRPC retries a refused connection can run
          // into the deadline; the refusal before it says more.
          if (!absl::IsDeadlineExceeded(status) ||
              !absl::IsUnavailable(probe->status) || !probe->tried) {
            probe->status = std::move(status);
          }
          probe->tried = true;
          probe->settled = !IsUnreachable(probe->status);
          done.DecrementCount();
        });
  }
  done.Wait();
}

// The gravest first: a daemon that is not what it should be, then one that
// is going away, then one that could not be reached.
int Gravity(int exit_code) {
  switch (exit_code) {
    case kExitDaemonError:
      return 3;
    case kExitNotServing:
      return 2;
    case kExitUnreachable:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

HealthVerdict JudgeHealth(const std::string& daemon, const absl::Status& status,
                          int serving, absl::Duration waited) {
  if (status.ok()) {
    if (serving == HealthCheckResponse::SERVING) return {kExitOk, ""};
    if (serving == HealthCheckResponse::NOT_SERVING) {
      return {kExitNotServing,
              absl::StrCat("progressd at ", daemon,
                           " is NOT_SERVING: it is shutting down")};
    }
    return {kExitDaemonError,
            absl::StrCat(
                "progressd at ", daemon, " reports health ",
                HealthCheckResponse::ServingStatus_Name(
                    static_cast<HealthCheckResponse::ServingStatus>(serving)))};
  }
  if (absl::IsUnimplemented(status)) {
    return {kExitDaemonError,
            absl::StrCat(daemon,
                         " has no gRPC health service (UNIMPLEMENTED): not "
                         "progressd?")};
  }
  if (absl::IsNotFound(status)) {
    return {kExitDaemonError,
            absl::StrCat(daemon, " does not serve ", kHealthService,
                         " (NOT_FOUND): not progressd?")};
  }
  if (IsUnreachable(status)) {
    return {
        kExitUnreachable,
        absl::StrCat("cannot reach progressd at ", daemon, " within ",
                     absl::FormatDuration(waited), ": ", status.ToString())};
  }
  return {kExitDaemonError,
          absl::StrCat(
              "progressd at ", daemon,
              " answered the health check with an error: ", status.ToString())};
}

int RunHealthCheck(DaemonSet& daemons,
                   const internal::ChannelSecurity& security,
                   absl::Duration timeout, spdlog::logger& log) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  std::map<std::string, Probe> probes;  // By target; nodes never move.
  std::vector<std::string> order;
  absl::flat_hash_set<std::string> resolved_servers;
  std::vector<DaemonSet::Unresolved> unresolved;
  while (true) {
    // Names are resolved again each round: a daemon may not be in a
    // Service's DNS until it is up.
    DaemonSet::Resolution resolution = daemons.Resolve();
    for (DaemonSet::Daemon& daemon : resolution.daemons) {
      resolved_servers.insert(daemon.address.server);
      auto [it, added] = probes.try_emplace(daemon.address.target);
      if (!added) continue;
      const DaemonAddress& address = daemon.address;
      it->second.name =
          address.target == address.server
              ? address.target
              : absl::StrCat(address.target, " (of ", address.server, ")");
      it->second.stub = Health::NewStub(daemon.channel);
      order.push_back(address.target);
    }
    unresolved.clear();
    for (DaemonSet::Unresolved& name : resolution.unresolved) {
      if (!resolved_servers.contains(name.server)) {
        unresolved.push_back(std::move(name));
      }
    }
    std::vector<Probe*> open;
    for (auto& [target, probe] : probes) {
      if (!probe.settled) open.push_back(&probe);
    }
    CheckAll(open, deadline);
    const bool pending =
        !unresolved.empty() ||
        std::any_of(probes.begin(), probes.end(),
                    [](const auto& entry) { return !entry.second.settled; });
    if (!pending || absl::Now() >= deadline) break;
    absl::SleepFor(std::min(kRetryPause, deadline - absl::Now()));
  }

  int exit_code = kExitOk;
  auto fail = [&](const HealthVerdict& verdict) {
    log.error(verdict.reason);
    if (Gravity(verdict.exit_code) > Gravity(exit_code)) {
      exit_code = verdict.exit_code;
    }
  };
  for (const std::string& target : order) {
    const Probe& probe = probes.at(target);
    const HealthVerdict verdict = JudgeHealth(
        probe.name, internal::WithTlsContext(probe.status, target, security),
        probe.response.status(), timeout);
    if (verdict.exit_code != kExitOk) fail(verdict);
  }
  for (const DaemonSet::Unresolved& name : unresolved) {
    fail({kExitUnreachable,
          absl::StrCat("cannot reach progressd at ", name.server, ": ",
                       name.status.ToString())});
  }
  return exit_code;
}

}  // namespace progress::reporter
