#include "read_server_main.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "replica/replica_jobs.h"
#include "replica/replica_service.h"
#include "replica/snapshot_region.h"
#include "rpc/health_service.h"
#include "rpc/progress_server.h"

ABSL_FLAG(int, read_server_fd, -1,
          "Internal: set by progressd on the read server process it starts "
          "for --read_listen (--helpfull only).");

namespace progress {

int RunReadServer(const ReadServerConfig& config, const StopSignals& signals) {
  // Its threads are gRPC's own; the process name tells it from the daemon
  // in top and ps.
  prctl(PR_SET_NAME, "progressd-reads");
  absl::StatusOr<SnapshotRegion> region =
      SnapshotRegion::Attach(config.region_fd);
  if (!region.ok()) {
    spdlog::critical("read server: {}", region.status().ToString());
    return 1;
  }
  // The daemon stops it with kReadServerStopSignal, and so does its death.
  prctl(PR_SET_PDEATHSIG, kReadServerStopSignal);
  if (getppid() != region->daemon_pid()) return 0;  // Already gone.

  ReplicaJobs jobs(&*region);
  ReplicaService service(&jobs, config.max_job_name_bytes);
  HealthService health;
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen,
                           config.credentials != nullptr
                               ? config.credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  builder.RegisterService(&health);
  AddDaemonChannelArguments(&builder);
  // One poller that answers what it reads itself: nothing to hand over.
  builder.SetSyncServerOption(grpc::ServerBuilder::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MAX_POLLERS, 2);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::critical(
        "read server cannot listen on {} (--read_listen: address in use, or "
        "not an address of this host?)",
        config.listen);
    return 1;
  }
  region->set_port(port);
  signals.WaitForReadServerStop();
  health.ReportNotServing();
  health.EndWatches();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  return 0;
}

}  // namespace progress
