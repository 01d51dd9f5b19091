#include "rpc/progress_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rpc/increment_call.h"
#include "rpc/read_handlers.h"
#include "rpc/rejection_log.h"
#include "rpc/unary_call.h"
#include "thread_name.h"

namespace progress {
namespace {

// Calls waiting on each queue for the next RPC of each kind, so a burst of new
// streams does not wait for a thread to re-arm one by one.
constexpr int kPendingCallsPerQueue = 16;

void ArmReadCalls(const QueueContext& queue) {
  using Service = v1::ProgressTracker::AsyncService;
  UnaryCall<v1::GetCountsRequest, v1::GetCountsResponse>::Arm(
      queue, Rpc::kGetCounts, &Service::RequestGetCounts, &HandleGetCounts);
  UnaryCall<v1::ListJobsRequest, v1::ListJobsResponse>::Arm(
      queue, Rpc::kListJobs, &Service::RequestListJobs, &HandleListJobs);
  UnaryCall<v1::StartJobRequest, v1::StartJobResponse>::Arm(
      queue, Rpc::kStartJob, &Service::RequestStartJob, &HandleStartJob);
  UnaryCall<v1::FinishJobRequest, v1::FinishJobResponse>::Arm(
      queue, Rpc::kFinishJob, &Service::RequestFinishJob, &HandleFinishJob);
}

}  // namespace

std::string BoundAddress(const std::string& listen, int port) {
  return absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
}

void AddDaemonChannelArguments(grpc::ServerBuilder* builder) {
  // A second daemon on the same port would split the clients between two
  // registries; refuse to share it.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Clients send keepalive pings every 20 s on long-lived streams; accept
  // them rather than answering with "too many pings".
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
}

ProgressServer::ProgressServer(ServerOptions options, JobRegistry* registry)
    : options_(std::move(options)),
      registry_(registry),
      increment_streams_(options_.stream_limits, options_.max_message_bytes) {}

ProgressServer::~ProgressServer() { Shutdown(absl::ZeroDuration()); }

absl::Status ProgressServer::Start() {
  if (options_.write_threads < 1 || options_.read_threads < 1) {
    return absl::InvalidArgumentError(
        "write_threads and read_threads must each be at least 1");
  }
  if (options_.max_message_bytes < 1 ||
      options_.stream_limits.max_jobs_per_message < 1 ||
      options_.stream_limits.max_streams < 1) {
    return absl::InvalidArgumentError(
        "max_message_bytes, max_jobs_per_message and max_streams must be "
        "positive");
  }
  // Standard tooling must work against the daemon: health probes
  // (grpc.health.v1) and server reflection, a process-wide switch that takes
  // effect for the builder below.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address,
                           options_.credentials != nullptr
                               ? options_.credentials
                               : grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(&service_);
  builder.RegisterService(&health_);
  // Above max_message_bytes: Increment checks the size itself, so it can log
  // and count what it refuses (stream_limits.h). The unary calls' requests
  // are small and fixed in shape, so the ceiling is harmless for them.
  builder.SetMaxReceiveMessageSize(
      GrpcReceiveLimit(options_.max_message_bytes));
  AddConnectionLimits(options_.stream_limits, &builder);
  AddDaemonChannelArguments(&builder);
  for (int i = 0; i < options_.write_threads; ++i) {
    write_queues_.push_back(builder.AddCompletionQueue());
  }
  for (int i = 0; i < options_.read_threads; ++i) {
    read_queues_.push_back(builder.AddCompletionQueue());
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    write_queues_.clear();
    read_queues_.clear();
    // gRPC checks the TLS key and certificate only here, and says which
    // on stderr alone.
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen_address,
        options_.credentials != nullptr
            ? " with TLS (address in use, not an address of this host, or a "
              "certificate that does not match its key?)"
            : " (address in use, or not an address of this host?)"));
  }

  // Increment is requested only on the write queues and the unary calls only
  // on the read queues: that split is what keeps readers from starving.
  for (auto& queue : write_queues_) {
    QueueContext context{&service_,    queue.get(), registry_,
                         &live_calls_, &stats_,     stats_.AddWriteQueue()};
    context.streams = &increment_streams_;
    context.commit_gate = options_.commit_gate;
    for (int i = 0; i < kPendingCallsPerQueue; ++i) IncrementCall::Arm(context);
  }
  for (auto& queue : read_queues_) {
    const QueueContext context{&service_, queue.get(), registry_, &live_calls_,
                               &stats_};
    for (int i = 0; i < kPendingCallsPerQueue; ++i) ArmReadCalls(context);
  }
  for (size_t i = 0; i < write_queues_.size(); ++i) {
    threads_.emplace_back(&ProgressServer::ServeQueue, this,
                          write_queues_[i].get(), absl::StrCat("write-", i));
  }
  for (size_t i = 0; i < read_queues_.size(); ++i) {
    threads_.emplace_back(&ProgressServer::ServeQueue, this,
                          read_queues_[i].get(), absl::StrCat("read-", i));
  }
  sampler_ = std::thread(&ProgressServer::SampleRatesUntilStopped, this);
  running_ = true;
  return absl::OkStatus();
}

void ProgressServer::ServeQueue(grpc::ServerCompletionQueue* queue,
                                const std::string& name) {
  NameThisThread(name);
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) static_cast<CallTag*>(tag)->Proceed(ok);
}

void ProgressServer::SampleRatesUntilStopped() {
  NameThisThread("sampler");
  while (!stop_sampler_.WaitForNotificationWithTimeout(
      options_.rate_sample_interval)) {
    registry_->SampleRates();
    for (const JobSnapshot& job : registry_->Sweep()) {
      spdlog::info(
          "dropped finished job '{}' ({} success, {} failure, finished {}): "
          "--finished_job_ttl has passed",
          job.name, job.success, job.failure,
          absl::FormatTime(job.finish_time.value_or(absl::InfinitePast())));
    }
    // Off the completion-queue threads: reclaiming silent streams and
    // summing up suppressed log lines never delays a message.
    increment_streams_.CancelIdle();
    RejectionLog::Default().ReportSuppressed();
  }
}

void ProgressServer::ReportNotServing() { health_.ReportNotServing(); }

void ProgressServer::Shutdown(absl::Duration grace) {
  if (!running_) return;
  health_.ReportNotServing();
  // Watchers never hang up by themselves; they would hold the shutdown for
  // the whole grace.
  health_.EndWatches();
  running_ = false;
  // Open calls may finish until the deadline; then gRPC cancels them, and
  // their pending operations come back not-ok to the still-running threads.
  const absl::Time deadline = absl::Now() + grace;
  // Streams waiting for durability are answered by the last snapshot at
  // the latest when the grace ends, as gRPC then cancels what is left.
  absl::Notification server_down;
  std::thread release_gate([this, deadline, &server_down] {
    server_down.WaitForNotificationWithDeadline(deadline);
    if (options_.commit_gate != nullptr) options_.commit_gate->Release();
  });
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_down.Notify();
  release_gate.join();
  // A queue must not be shut down while a call on it could still start an
  // operation, so wait for every call object to be gone first.
  live_calls_.WaitUntilNone();
  for (auto& queue : write_queues_) queue->Shutdown();
  for (auto& queue : read_queues_) queue->Shutdown();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  stop_sampler_.Notify();
  sampler_.join();
}

}  // namespace progress
