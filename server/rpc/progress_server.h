#ifndef PROGRESS_SERVER_RPC_PROGRESS_SERVER_H_
#define PROGRESS_SERVER_RPC_PROGRESS_SERVER_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "registry/job_registry.h"
#include "rpc/call_tag.h"
#include "rpc/commit_gate.h"
#include "rpc/health_service.h"
#include "rpc/increment_streams.h"
#include "rpc/progress_service.h"
#include "rpc/server_stats.h"
#include "rpc/stream_limits.h"

namespace progress {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free one (see port()).
  std::string listen_address = "127.0.0.1:50051";
  // Threads (each with its own completion queue) serving Increment streams.
  int write_threads = 1;
  // Threads (each with its own completion queue) serving every other RPC.
  int read_threads = 1;
  // The largest request message accepted; larger ones fail RESOURCE_EXHAUSTED.
  int max_message_bytes = 64 << 10;
  // Increment streams: entries per message, how many, how long silent.
  StreamLimits stream_limits;
  // How clients must connect (see server_tls.h); null: plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Where closing Increment streams wait until what they applied is
  // durable (the state file's snapshotter); null: they reply at once. Must
  // outlive the server.
  CommitGate* commit_gate = nullptr;
  // How often the recent-rate window is sampled.
  absl::Duration rate_sample_interval = absl::Seconds(1);
};

// `listen` (host:port) with the port actually bound, which differs for 0.
std::string BoundAddress(const std::string& listen, int port);

// What every gRPC server of the daemon's sets: one process per port, and
// clients' keepalive pings accepted.
void AddDaemonChannelArguments(grpc::ServerBuilder* builder);

// The gRPC face of the daemon over a JobRegistry, on the completion-queue API
// so that Increment and the reads have their own queues and threads: a flood
// of increments can occupy every write thread and a GetCounts still runs at
// once on a read thread.
//
// Start() once, Shutdown() once (the destructor does it if needed). Not
// thread-safe itself; the registry it serves is.
class ProgressServer {
 public:
  ProgressServer(ServerOptions options, JobRegistry* registry);
  ~ProgressServer();

  ProgressServer(const ProgressServer&) = delete;
  ProgressServer& operator=(const ProgressServer&) = delete;

  // Binds, starts the threads and returns. UNAVAILABLE if the address cannot
  // be bound; INVALID_ARGUMENT for bad options.
  absl::Status Start();

  // The bound port, after Start().
  int port() const { return port_; }

  // Health counters for /metrics; complete once Start() has returned.
  const ServerStats& stats() const { return stats_; }

  // Tells health checks (grpc.health.v1) NOT_SERVING while every call is
  // still served, so readiness probes and load balancers move away before
  // the listener closes. Shutdown() does it too; calling it first opens a
  // window for them to notice.
  void ReportNotServing();

  // Reports NOT_SERVING, stops accepting calls, lets open calls end for up
  // to `grace`, cancels what remains, and joins every thread.
  void Shutdown(absl::Duration grace);

 private:
  void ServeQueue(grpc::ServerCompletionQueue* queue, const std::string& name);
  void SampleRatesUntilStopped();

  const ServerOptions options_;
  JobRegistry* const registry_;

  ProgressAsyncService service_;
  // Declared before server_, so it outlives the server that calls it.
  HealthService health_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> write_queues_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> read_queues_;
  std::vector<std::thread> threads_;
  LiveCalls live_calls_;
  IncrementStreams increment_streams_;
  ServerStats stats_;
  absl::Notification stop_sampler_;
  std::thread sampler_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_PROGRESS_SERVER_H_
