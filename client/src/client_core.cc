#include "client_core.h"

#include <grpcpp/client_context.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon_channel.h"
#include "fork_safe_clock.h"
#include "library_logger.h"
#include "names.h"

namespace progress::client {
namespace {

constexpr char kDefaultTarget[] = "127.0.0.1:50051";
constexpr char kTargetEnv[] = "PROGRESS_TRACKER_ADDRESS";

FlusherOptions ToFlusherOptions(const CoreOptions& options) {
  FlusherOptions flusher;
  flusher.client_id = options.client_id;
  flusher.flush_interval = options.flush_interval;
  flusher.forget_after = options.forget_after;
  return flusher;
}

// One unary job call (StartJob, FinishJob, GetCounts) with a deadline; every
// one of them answers with the job.
template <typename Request, typename Response>
absl::StatusOr<v1::Job> CallForJob(
    Connection& connection,
    grpc::Status (v1::ProgressTracker::Stub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
    const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(Now() + timeout));
  absl::StatusOr<v1::ProgressTracker::Stub*> stub =
      connection.BeginCall(&context, Connection::Caller::kHost);
  Response response;
  absl::Status status = stub.status();
  if (stub.ok()) {
    status = internal::FromGrpcStatus(
        ((*stub)->*method)(&context, request, &response));
    connection.EndCall(&context);
  }
  // Only fork() cancels a host's call (see Connection::PauseForFork).
  if (absl::IsCancelled(status)) {
    return absl::UnavailableError("call interrupted by fork(); try again");
  }
  if (!status.ok()) return connection.Explain(std::move(status));
  return response.job();
}

}  // namespace

std::string RandomClientId() {
  std::random_device device;
  std::mt19937_64 generator((static_cast<uint64_t>(device()) << 32) ^ device() ^
                            absl::ToUnixNanos(Now()));
  return absl::StrFormat("%016x", generator());
}

namespace {

// `options` with every default filled in.
CoreOptions WithDefaults(CoreOptions options) {
  if (options.target.empty()) {
    const char* from_env = std::getenv(kTargetEnv);
    options.target =
        from_env != nullptr && *from_env != '\0' ? from_env : kDefaultTarget;
  }
  if (options.client_id.empty()) options.client_id = RandomClientId();
  if (options.flush_interval <= absl::ZeroDuration()) {
    options.flush_interval = absl::Milliseconds(100);
  }
  if (options.shutdown_timeout <= absl::ZeroDuration()) {
    options.shutdown_timeout = absl::Seconds(2);
  }
  if (options.forget_after <= absl::ZeroDuration()) {
    options.forget_after = absl::Minutes(10);
  }
  return options;
}

absl::StatusOr<internal::ChannelSecurity> LoadSecurity(
    const internal::TlsSettings& given) {
  absl::StatusOr<internal::TlsSettings> settings =
      internal::WithEnvironment(given);
  if (!settings.ok()) return settings.status();
  return internal::LoadChannelSecurity(*settings);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientCore>> ClientCore::Create(
    CoreOptions options) {
  options = WithDefaults(std::move(options));
  if (absl::Status valid =
          ValidateName("client id", options.client_id, kMaxClientIdBytes);
      !valid.ok()) {
    return valid;
  }
  absl::StatusOr<internal::ChannelSecurity> security =
      LoadSecurity(options.tls);
  if (!security.ok()) return security.status();
  return std::unique_ptr<ClientCore>(
      new ClientCore(std::move(options), *std::move(security), absl::OkStatus(),
                     absl::OkStatus()));
}

std::unique_ptr<ClientCore> ClientCore::CreateDefault() {
  CoreOptions options = WithDefaults(CoreOptions{});
  absl::StatusOr<internal::ChannelSecurity> security =
      LoadSecurity(options.tls);
  if (security.ok()) {
    return std::unique_ptr<ClientCore>(
        new ClientCore(std::move(options), *std::move(security),
                       absl::OkStatus(), absl::OkStatus()));
  }
  // The host cannot be told at creation (progress_default_client() returns
  // a client, not a status), so it is told on stderr now and by every call.
  absl::Status setup_error = absl::FailedPreconditionError(
      absl::StrCat("the default progress client cannot reach progressd at ",
                   options.target, ": ", security.status().message(),
                   " (check the PROGRESS_TRACKER_TLS* environment variables)"));
  Log().error("{}", std::string(setup_error.message()));
  return std::unique_ptr<ClientCore>(
      new ClientCore(std::move(options), internal::ChannelSecurity{},
                     std::move(setup_error), absl::OkStatus()));
}

std::unique_ptr<ClientCore> ClientCore::RenewAfterFork(ClientCore& inherited,
                                                       bool grpc_usable) {
  CoreOptions options = inherited.options_;
  options.client_id = RandomClientId();
  absl::Status fork_error;
  if (!grpc_usable && inherited.setup_error_.ok()) {
    fork_error = absl::FailedPreconditionError(
        "gRPC in this process was set up by other code before this library, "
        "or was still in use by it at fork(), so this child cannot reach "
        "progressd safely; spawn worker processes with exec, or fork them "
        "before other code uses gRPC");
    Log().warn("progress client {} (child {}): {}", options.client_id, getpid(),
               std::string(fork_error.message()));
  }
  std::unique_ptr<ClientCore> renewed(
      new ClientCore(std::move(options), inherited.connection_.security(),
                     inherited.setup_error_, std::move(fork_error)));
  renewed->jobs_.AdoptZeroed(inherited.jobs_);
  return renewed;
}

ClientCore::ClientCore(CoreOptions options, internal::ChannelSecurity security,
                       absl::Status setup_error, absl::Status fork_error)
    : options_(std::move(options)),
      creator_pid_(getpid()),
      setup_error_(std::move(setup_error)),
      unusable_(!setup_error_.ok() ? setup_error_ : std::move(fork_error)),
      connection_(options_.target, std::move(security)),
      flusher_(ToFlusherOptions(options_), &jobs_, &connection_) {
  if (!unusable_.ok()) return;  // Never sends: no thread, no fork handling.
  RegisterForFork(this);
  flusher_.Start();
}

ClientCore::~ClientCore() {
  // An inherited core is never destroyed (see the class comment).
  if (!unusable_.ok()) return;
  flusher_.Shutdown(options_.shutdown_timeout).IgnoreError();
  UnregisterForFork(this);
}

absl::Status ClientCore::Usable() const {
  if (inherited_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this progress client was created before fork() (in process ",
        creator_pid_,
        "); it cannot be used in the child. Create a new client there, or use "
        "the default client, which is renewed in every child"));
  }
  return unusable_;
}

absl::StatusOr<JobCounter*> ClientCore::GetJob(absl::string_view job) {
  if (absl::Status usable = Usable(); !usable.ok()) return usable;
  return jobs_.Get(job);
}

absl::Status ClientCore::Flush(absl::Duration timeout) {
  if (absl::Status usable = Usable(); !usable.ok()) return usable;
  return flusher_.Flush(timeout);
}

absl::Status ClientCore::Shutdown(absl::Duration timeout) {
  if (inherited_ || unusable_.ok()) {
    if (absl::Status usable = Usable(); !usable.ok()) return usable;
    return flusher_.Shutdown(timeout);
  }
  // Its setup error was logged when it was made, and it never had a job.
  if (!setup_error_.ok()) return unusable_;
  // A core that never could send: say once what it counted in vain.
  absl::call_once(unusable_reported_, [this] {
    Log().error("progress client {}: {}; {}", options_.client_id,
                std::string(unusable_.message()), jobs_.UnconfirmedReport());
  });
  return unusable_;
}

absl::StatusOr<v1::Job> ClientCore::StartJob(absl::string_view job,
                                             uint64_t expected_total,
                                             absl::Duration timeout) {
  if (absl::Status usable = Usable(); !usable.ok()) return usable;
  v1::StartJobRequest request;
  request.set_job(std::string(job));
  request.set_expected_total(expected_total);
  return CallForJob(connection_, &v1::ProgressTracker::Stub::StartJob, request,
                    timeout);
}

absl::StatusOr<v1::Job> ClientCore::FinishJob(absl::string_view job,
                                              absl::Duration timeout) {
  if (absl::Status usable = Usable(); !usable.ok()) return usable;
  v1::FinishJobRequest request;
  request.set_job(std::string(job));
  return CallForJob(connection_, &v1::ProgressTracker::Stub::FinishJob, request,
                    timeout);
}

absl::StatusOr<v1::Job> ClientCore::GetCounts(absl::string_view job,
                                              absl::Duration timeout) {
  if (absl::Status usable = Usable(); !usable.ok()) return usable;
  v1::GetCountsRequest request;
  request.set_job(std::string(job));
  return CallForJob(connection_, &v1::ProgressTracker::Stub::GetCounts, request,
                    timeout);
}

void ClientCore::PrepareFork() {
  connection_.PauseForFork();           // Cancels the calls in flight...
  flusher_.PrepareFork();               // ...so the flusher parks promptly...
  connection_.ReleaseChannelForFork();  // ...and the channel can go.
  jobs_.LockForFork();
}

void ClientCore::ResumeAfterForkInParent() {
  jobs_.UnlockAfterFork();
  connection_.Resume();
  flusher_.ResumeAfterFork();
}

void ClientCore::MarkInheritedInChild() {
  jobs_.UnlockAfterFork();
  inherited_ = true;
}

}  // namespace progress::client
