// progressd: the progress-tracker daemon. Parses flags, serves until SIGTERM
// or SIGINT, then shuts down within the grace period and exits 0.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon_config.h"
#include "daemon_logging.h"
#include "exit_codes.h"
#include "http/http_server.h"
#include "http_serving.h"
#include "read_server_main.h"
#include "read_serving.h"
#include "rpc/progress_server.h"
#include "rpc/server_tls.h"
#include "second_signal.h"
#include "state/durable_state.h"
#include "stop_signals.h"

namespace {

int Fail(const std::string& message) {
  spdlog::critical("{}", message);
  return progress::kExitBadFlags;
}

// Writes `port` to `path` whole, then renames it into place, so a watcher
// never reads a partial number.
bool WritePortFile(const std::string& path, int port) {
  if (path.empty()) return true;
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask.
  const progress::StopSignals stop_signals;
  const progress::AsyncDaemonLog async_log;
  // Debian builds Abseil without NDEBUG, which leaves Mutex's lock-order
  // graph on: every lock and unlock takes one process-wide lock to record
  // it, serializing the completion-queue threads (BENCHMARKS.md, "Ingest").
  // The sanitizer builds still find races and deadlocks.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::StatusOr<progress::DaemonConfig> parsed =
      progress::ParseDaemonFlags(argc, argv);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  progress::DaemonConfig& config = *parsed;
  spdlog::set_level(config.log_level);

  const progress::ServerTlsFiles& tls_files = config.tls_files;
  absl::StatusOr<progress::ServerTlsPem> tls =
      progress::ReadServerTls(tls_files);
  if (!tls.ok()) return Fail(std::string(tls.status().message()));
  const bool tls_on = !tls->cert_chain.empty();
  const char* const security = !tls_on                  ? "plaintext"
                               : tls->client_ca.empty() ? "TLS"
                                                        : "mTLS";
  if (config.reads.server_fd >= 0) {
    return progress::RunReadServer(
        {config.reads.server_fd, config.reads.listen,
         config.registry.limits.max_job_name_bytes,
         tls_on ? progress::ServerTlsCredentials(*tls) : nullptr},
        stop_signals);
  }

  progress::JobRegistry registry(config.registry);
  std::unique_ptr<progress::DurableState> state;
  if (!config.state_file.empty()) {
    absl::StatusOr<std::unique_ptr<progress::DurableState>> opened =
        progress::DurableState::Open(config.state_file,
                                     config.snapshot_interval, &registry);
    if (!opened.ok()) {
      // Moving the file aside is the way out only for a file we cannot
      // take, not for a lock, a permission or a disk error.
      const absl::StatusCode code = opened.status().code();
      const bool unusable_file = code == absl::StatusCode::kDataLoss ||
                                 code == absl::StatusCode::kInvalidArgument ||
                                 code == absl::StatusCode::kFailedPrecondition;
      spdlog::critical("progressd cannot start: {}. Nothing was changed{}",
                       std::string(opened.status().message()),
                       unusable_file ? "; to start without these counts, "
                                       "move the file aside."
                                     : ".");
      return progress::kExitBadStateFile;
    }
    state = *std::move(opened);
  }

  progress::ServerOptions& server_options = config.server;
  if (state != nullptr) {
    server_options.commit_gate = &state->snapshotter();
    state->snapshotter().Start();
  }
  if (tls_on) server_options.credentials = progress::ServerTlsCredentials(*tls);
  progress::ProgressServer server(server_options, &registry);
  if (absl::Status started = server.Start(); !started.ok()) {
    return Fail(absl::StrCat("progressd cannot start: ", started.ToString()));
  }

  const std::string metrics_listen = config.metrics_listen;
  absl::StatusOr<std::unique_ptr<progress::HttpServer>> http =
      progress::StartHttpServing(
          config, tls_on, &registry, &server.stats(),
          state != nullptr ? &state->snapshotter().stats() : nullptr);
  if (!http.ok()) {
    server.Shutdown(absl::ZeroDuration());
    return Fail(
        absl::StrCat("progressd cannot start: ", http.status().ToString()));
  }
  std::unique_ptr<progress::HttpServer> http_server = *std::move(http);

  absl::StatusOr<std::unique_ptr<progress::ReadReplica>> replica =
      progress::StartReadServing(
          config.reads, &registry,
          std::vector<std::string>(argv + 1, argv + argc));
  if (!replica.ok()) {
    server.Shutdown(absl::ZeroDuration());
    return Fail(absl::StrCat("progressd cannot serve --read_listen: ",
                             replica.status().ToString()));
  }

  // The gRPC port file comes last: once it exists, everything is up.
  if ((http_server != nullptr &&
       !WritePortFile(config.metrics_port_file, http_server->port())) ||
      (*replica != nullptr &&
       !WritePortFile(config.reads.port_file, (*replica)->port())) ||
      !WritePortFile(config.port_file, server.port())) {
    server.Shutdown(absl::ZeroDuration());
    return Fail("cannot write --port_file or --metrics_port_file");
  }

  const std::string bound =
      progress::BoundAddress(server_options.listen_address, server.port());
  if (!tls_on && !progress::IsLoopbackAddress(bound)) {
    spdlog::warn(
        "listening on {} without TLS: any host that can reach it can report "
        "and read counts; see --tls_cert",
        bound);
  }
  const std::string http_base =
      http_server ? absl::StrCat(http_server->scheme(), "://",
                                 progress::BoundAddress(metrics_listen,
                                                        http_server->port()))
                  : "";
  spdlog::info(
      "progressd listening on {} ({}) | reads also on {} | metrics {} | "
      "web page {} | "
      "write threads {} | read threads {} | max jobs {} | max clients/job {} | "
      "max job name {} bytes "
      "| max message {} bytes | rate window {} | state file {} | shutdown "
      "delay {} | shutdown grace {}",
      bound, security,
      *replica != nullptr
          ? absl::StrCat(
                progress::BoundAddress(config.reads.listen, (*replica)->port()),
                " (progressd-reads)")
          : std::string("none"),
      http_server ? absl::StrCat(http_base, "/metrics") : std::string("off"),
      http_server ? absl::StrCat(http_base, "/") : std::string("off"),
      server_options.write_threads, server_options.read_threads,
      config.registry.limits.max_jobs,
      config.registry.limits.max_clients_per_job,
      config.registry.limits.max_job_name_bytes,
      server_options.max_message_bytes,
      absl::FormatDuration(config.registry.rate_window),
      state != nullptr
          ? absl::StrCat(config.state_file, " every ",
                         absl::FormatDuration(config.snapshot_interval))
          : std::string("none (counts live in memory only)"),
      absl::FormatDuration(config.shutdown_delay),
      absl::FormatDuration(config.shutdown_grace));

  const int signal_number = stop_signals.Wait();
  server.ReportNotServing();
  const absl::Duration delay = config.shutdown_delay;
  if (delay > absl::ZeroDuration()) {
    spdlog::info(
        "progressd received {}; health is NOT_SERVING, still serving for {} "
        "(a second signal stops sooner)",
        strsignal(signal_number), absl::FormatDuration(delay));
    stop_signals.WaitFor(delay);
  }
  const absl::Duration grace = config.shutdown_grace;
  spdlog::info(
      "progressd {}; closing the listener, finishing open calls "
      "(grace {})",
      delay > absl::ZeroDuration()
          ? std::string("shutdown delay over")
          : absl::StrCat("received ", strsignal(signal_number)),
      absl::FormatDuration(grace));
  progress::SecondSignal second_signal(
      stop_signals, state != nullptr ? &state->snapshotter() : nullptr);
  // civetweb takes up to about two seconds to stop; let it do so while the
  // gRPC side drains, so the whole shutdown stays within the grace.
  std::thread stop_http([&http_server, &replica] {
    replica->reset();
    http_server.reset();
  });
  server.Shutdown(grace);
  stop_http.join();
  int exit_code = 0;
  if (state != nullptr) {
    if (absl::Status last = state->snapshotter().Stop(); !last.ok()) {
      spdlog::critical("progressd could not write its last snapshot to {}: {}",
                       config.state_file, std::string(last.message()));
      exit_code = progress::kExitSnapshotFailed;
    }
  }

  const progress::RegistryStats stats = registry.Stats();
  spdlog::info(
      "progressd stopped | jobs {} | entries applied {} | regressions ignored "
      "{} | values over the per-client cap rejected {}",
      stats.jobs, stats.entries_applied, stats.regressions_ignored,
      stats.values_over_cap_rejected);
  return exit_code;
}
