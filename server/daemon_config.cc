// progressd's flags, and the checks that turn them into a DaemonConfig.
#include "daemon_config.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "limit_flags.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port for gRPC. Loopback by default; use 0.0.0.0:PORT to accept "
          "other hosts. Port 0 picks a free port (see --port_file).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) of this daemon. With --tls_key, gRPC "
          "clients must connect with TLS. Empty: plaintext.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert; give both or neither.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate(s). With --tls_cert and --tls_key, every client "
          "must present a certificate signed by one of them (mTLS); others "
          "are refused at the handshake.");
ABSL_FLAG(int, write_threads, 1,
          "Threads serving Increment streams, each with its own completion "
          "queue. More cost more than they give on a small machine: with "
          "gRPC 1.51 any of them may read any stream, and hands it over to "
          "its own (BENCHMARKS.md).");
ABSL_FLAG(int, read_threads, 1,
          "Threads serving GetCounts, ListJobs, StartJob and FinishJob, each "
          "with its own completion queue, apart from the write threads.");
ABSL_FLAG(int64_t, max_jobs, 10000,
          "Most jobs the daemon holds; a call that would create one more "
          "fails with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_clients_per_job, 100000,
          "Most distinct client ids that may report on one job; more fail "
          "with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_job_name_bytes, 128,
          "Longest job name accepted, in bytes. Names may use A-Z a-z 0-9 and "
          ". _ : -");
ABSL_FLAG(int, max_message_bytes, 64 << 10,
          "Largest request message accepted, in bytes; at least 65536, since "
          "the client library sends messages of up to 32 KiB. A larger "
          "Increment message fails its stream with RESOURCE_EXHAUSTED, logged "
          "and counted; above max(4 x this, 4 MiB) gRPC refuses it unseen.");
ABSL_FLAG(absl::Duration, rate_window, absl::Seconds(10),
          "Span over which a job's recent_rate is measured.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "On SIGTERM/SIGINT, how long open calls may take to end before they "
          "are cancelled. At most 10m.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM/SIGINT, first report NOT_SERVING to gRPC health checks "
          "and keep serving every call for this long, so readiness probes and "
          "load balancers move away before the listener closes; a second "
          "signal ends it early. --shutdown_grace follows.");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log level shown: trace, debug, info, warn, error, "
          "critical or off.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "host:port of progressd's HTTP server: Prometheus' /metrics, the "
          "live web page of every job at /, and its JSON API at "
          "/api/v1/jobs. Empty disables all three. Port 0 picks a free port "
          "(see --metrics_port_file). HTTPS with --tls_cert.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, write the bound --metrics_listen port (/metrics and the web "
          "page) to this file once listening.");
ABSL_FLAG(absl::Duration, finished_job_ttl, absl::Hours(24),
          "Drop a finished job this long after it finished, from memory, "
          "/metrics and the state file (once no stream holds it); 'inf' "
          "keeps finished jobs for good.");
ABSL_FLAG(absl::Duration, client_ttl, absl::Minutes(10),
          "Fold what the daemon keeps of a client on a job into the job's "
          "retired sum when no stream holds it and nothing named it for this "
          "long (at once for a client that shut down cleanly). The counts "
          "stay; the client no longer counts against --max_clients_per_job.");
ABSL_FLAG(absl::Duration, tombstone_ttl, absl::Hours(7 * 24),
          "How long a silent client's folded values are remembered, so that "
          "it picks up where it left off if it reports again; one that comes "
          "back later is counted as a new client. A client that shut down "
          "cleanly is remembered for --client_ttl.");
ABSL_FLAG(std::string, state_file, "",
          "Keep the counts in this file across restarts and crashes: loaded "
          "at start, written atomically every --snapshot_interval when "
          "something changed and at shutdown, and a client's Flush() is "
          "confirmed only once what it confirms is in it. A file that cannot "
          "be read or is damaged stops the start (exit code 3); no file is a "
          "first start. Empty: counts live in memory only.");
ABSL_FLAG(absl::Duration, snapshot_interval, absl::Seconds(1),
          "How often the --state_file is written when something changed. "
          "Flush() confirmations do not wait for it: they are written at "
          "once, many to one write.");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound gRPC port to this file once listening "
          "(useful with --listen=127.0.0.1:0).");

namespace progress {
namespace {

// Client messages are cut at 32 KiB; twice that leaves room for framing.
constexpr int kMinMessageBytes = 64 << 10;
// Past this a stuck shutdown looks like a hung daemon to its supervisor, and
// any supervisor's own stop timeout (systemd's 90 s, Kubernetes' 30 s) would
// kill it first anyway.
constexpr absl::Duration kMaxShutdownGrace = absl::Minutes(10);

absl::Status CheckLimits(const DaemonConfig& config) {
  const int64_t max_jobs = absl::GetFlag(FLAGS_max_jobs);
  const int64_t max_clients = absl::GetFlag(FLAGS_max_clients_per_job);
  const int64_t max_name = absl::GetFlag(FLAGS_max_job_name_bytes);
  if (max_jobs < 1 || max_clients < 1 || max_name < 1) {
    return absl::InvalidArgumentError(
        "--max_jobs, --max_clients_per_job and --max_job_name_bytes must each "
        "be at least 1");
  }
  if (config.server.max_message_bytes < kMinMessageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_message_bytes must be at least ", kMinMessageBytes,
                     ": the client library sends messages of up to 32 KiB"));
  }
  if (config.snapshot_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--snapshot_interval must be positive");
  }
  if (config.registry.rate_window <= absl::ZeroDuration() ||
      config.shutdown_grace < absl::ZeroDuration() ||
      config.shutdown_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--rate_window must be positive, --shutdown_grace and "
        "--shutdown_delay not negative");
  }
  const RetentionOptions& retention = config.registry.retention;
  if (retention.client_ttl <= absl::ZeroDuration() ||
      retention.tombstone_ttl <= absl::ZeroDuration() ||
      retention.finished_job_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--client_ttl, --tombstone_ttl and --finished_job_ttl must be "
        "positive");
  }
  if (config.shutdown_grace > kMaxShutdownGrace) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shutdown_grace must be at most ",
                     absl::FormatDuration(kMaxShutdownGrace)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv) {
  // --help lists this file's flags; gRPC's and Abseil's own stay under
  // --helpfull.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "server/daemon_config.cc") ||
           absl::EndsWith(path, "server/limit_flags.cc") ||
           absl::EndsWith(path, "server/read_flags.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "counts the successes and failures that batch workers report "
      "and serves them to reporters and dashboards.\n"
      "Usage: progressd [--listen=127.0.0.1:50051] [flags]\n"
      "Exit codes: 0 stopped by SIGTERM/SIGINT; 2 bad flags or cannot "
      "serve; 3 --state_file unusable; 4 the last snapshot failed.");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    // Everything after a bare "--" lands here, unseen: refuse it, so a flag
    // given there is not silently ignored.
    return absl::InvalidArgumentError(
        absl::StrCat("progressd takes flags only, not '", positional[1],
                     "' (anything after a bare --)"));
  }

  DaemonConfig config;
  const std::string level = absl::GetFlag(FLAGS_log_level);
  config.log_level = spdlog::level::from_str(level);
  if (config.log_level == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level: unknown level '", level, "'"));
  }

  RegistryLimits& limits = config.registry.limits;
  limits.max_jobs = static_cast<size_t>(absl::GetFlag(FLAGS_max_jobs));
  limits.max_clients_per_job =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_clients_per_job));
  limits.max_job_name_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_job_name_bytes));
  config.registry.rate_window = absl::GetFlag(FLAGS_rate_window);
  RetentionOptions& retention = config.registry.retention;
  retention.client_ttl = absl::GetFlag(FLAGS_client_ttl);
  retention.tombstone_ttl = absl::GetFlag(FLAGS_tombstone_ttl);
  retention.finished_job_ttl = absl::GetFlag(FLAGS_finished_job_ttl);

  config.server.listen_address = absl::GetFlag(FLAGS_listen);
  config.server.write_threads = absl::GetFlag(FLAGS_write_threads);
  config.server.read_threads = absl::GetFlag(FLAGS_read_threads);
  config.server.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);

  config.tls_files.cert_file = absl::GetFlag(FLAGS_tls_cert);
  config.tls_files.key_file = absl::GetFlag(FLAGS_tls_key);
  config.tls_files.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);

  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  config.state_file = absl::GetFlag(FLAGS_state_file);
  config.snapshot_interval = absl::GetFlag(FLAGS_snapshot_interval);

  if (absl::Status valid = CheckLimits(config); !valid.ok()) return valid;
  absl::StatusOr<StreamLimits> stream_limits = StreamLimitsFromFlags();
  if (!stream_limits.ok()) return stream_limits.status();
  config.server.stream_limits = *stream_limits;
  absl::StatusOr<ReadServingConfig> reads = ReadServingFromFlags();
  if (!reads.ok()) return reads.status();
  config.reads = *std::move(reads);
  return config;
}

}  // namespace progress
