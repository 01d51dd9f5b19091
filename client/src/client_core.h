#ifndef PROGRESS_CLIENT_SRC_CLIENT_CORE_H_
#define PROGRESS_CLIENT_SRC_CLIENT_CORE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "channel_security.h"
#include "connection.h"
#include "flusher.h"
#include "fork_handlers.h"
#include "job_table.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::client {

struct CoreOptions {
  // Empty: $PROGRESS_TRACKER_ADDRESS, else 127.0.0.1:50051.
  std::string target;
  // Empty: a random id.
  std::string client_id;
  absl::Duration flush_interval = absl::Milliseconds(100);
  absl::Duration shutdown_timeout = absl::Seconds(2);
  // See FlusherOptions::forget_after.
  absl::Duration forget_after = absl::Minutes(10);
  // Unset fields: the PROGRESS_TRACKER_TLS* environment variables.
  internal::TlsSettings tls;
};

// The engine behind the C API: job counters, the connection to progressd,
// and the flusher thread that delivers cumulative counts exactly once.
//
// Thread-safe. Client memory is O(jobs): counts are cumulative, so there is
// never a queue of pending updates, and a lost or repeated message is
// harmless.
//
// fork(): every live core takes part (see fork_handlers.h). In the child, a
// core made before the fork is "inherited": its thread does not exist there,
// so every call fails with FAILED_PRECONDITION, and it must never be
// destroyed (only leaked). RenewAfterFork() gives the child a working core
// over the same job counters.
class ClientCore final : public ForkParticipant {
 public:
  // INVALID_ARGUMENT for a malformed client id, or TLS settings that cannot
  // be used (a file that cannot be read, a certificate without its key).
  static absl::StatusOr<std::unique_ptr<ClientCore>> Create(
      CoreOptions options);
  // The process-wide default client's core, from the environment alone.
  // Never fails: TLS settings it cannot use are logged once, and then every
  // call on it fails with FAILED_PRECONDITION and that message.
  static std::unique_ptr<ClientCore> CreateDefault();
  // In a forked child: a new core with a fresh id and the options of
  // `inherited`, taking over its job counters with their counts zeroed.
  // `grpc_usable` is false when gRPC stayed live in the parent through the
  // fork (the host uses the same gRPC library): the child's core then only
  // counts, and says why it cannot send.
  static std::unique_ptr<ClientCore> RenewAfterFork(ClientCore& inherited,
                                                    bool grpc_usable);
  ~ClientCore() override;

  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  const std::string& client_id() const { return options_.client_id; }
  const std::string& target() const { return options_.target; }
  absl::Duration shutdown_timeout() const { return options_.shutdown_timeout; }
  bool inherited() const { return inherited_; }

  // The counter of `job`, made on first use. INVALID_ARGUMENT for a bad name.
  absl::StatusOr<JobCounter*> GetJob(absl::string_view job);

  // See Flusher::Flush and Flusher::Shutdown.
  absl::Status Flush(absl::Duration timeout);
  absl::Status Shutdown(absl::Duration timeout);

  absl::StatusOr<v1::Job> StartJob(absl::string_view job,
                                   uint64_t expected_total,
                                   absl::Duration timeout);
  absl::StatusOr<v1::Job> FinishJob(absl::string_view job,
                                    absl::Duration timeout);
  absl::StatusOr<v1::Job> GetCounts(absl::string_view job,
                                    absl::Duration timeout);

  // ForkParticipant: called by the fork handlers.
  void PrepareFork() override;
  void ResumeAfterForkInParent() override;
  void MarkInheritedInChild() override;

 private:
  // `setup_error`: why the options cannot be used (kept by a renewed core);
  // `fork_error`: why this forked child cannot reach the daemon.
  ClientCore(CoreOptions options, internal::ChannelSecurity security,
             absl::Status setup_error, absl::Status fork_error);
  // FAILED_PRECONDITION in a child for a core made before fork(), or for one
  // that cannot reach the daemon from there.
  absl::Status Usable() const;

  const CoreOptions options_;
  const pid_t creator_pid_;
  bool inherited_ = false;
  const absl::Status setup_error_;
  // Why this core cannot talk to the daemon at all; OK normally.
  const absl::Status unusable_;
  absl::once_flag unusable_reported_;
  JobTable jobs_;
  Connection connection_;
  Flusher flusher_;
};

// A random client id: 16 hex digits.
std::string RandomClientId();

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_CLIENT_CORE_H_
