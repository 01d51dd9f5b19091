// progressd: the progress-tracker daemon. Parses flags, serves until SIGTERM
// or SIGINT, then shuts down within the grace period and exits 0.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "metrics/civetweb_tls.h"
#include "metrics/metrics_collector.h"
#include "metrics/metrics_endpoint.h"
#include "registry/job_registry.h"
#include "rpc/progress_server.h"
#include "rpc/server_tls.h"
#include "stop_signals.h"

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
ABSL_FLAG(int, write_threads, 2,
          "Threads serving Increment streams, each with its own completion "
          "queue.");
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
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "Largest request message accepted, in bytes; at least 65536, since "
          "the client library sends messages of up to 32 KiB.");
ABSL_FLAG(absl::Duration, rate_window, absl::Seconds(10),
          "Span over which a job's recent_rate is measured.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "On SIGTERM/SIGINT, how long open calls may take to end before they "
          "are cancelled.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM/SIGINT, first report NOT_SERVING to gRPC health checks "
          "and keep serving every call for this long, so readiness probes and "
          "load balancers move away before the listener closes; a second "
          "signal ends it early. --shutdown_grace follows.");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log level shown: trace, debug, info, warn, error, "
          "critical or off.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "host:port for the Prometheus /metrics endpoint; empty disables "
          "it. Port 0 picks a free port (see --metrics_port_file).");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, write the bound /metrics port to this file once listening.");
ABSL_FLAG(absl::Duration, finished_job_ttl, absl::InfiniteDuration(),
          "Drop finished jobs from /metrics this long after they finish; "
          "'inf' keeps them. They stay readable over gRPC.");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound gRPC port to this file once listening "
          "(useful with --listen=127.0.0.1:0).");

namespace {

// Client messages are cut at 32 KiB; twice that leaves room for framing.
constexpr int kMinMessageBytes = 64 << 10;

int Fail(const std::string& message) {
  spdlog::critical("{}", message);
  return 2;
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

// The listen address with the port actually bound, which differs for port 0.
std::string BoundAddress(const std::string& listen, int port) {
  const size_t colon = listen.rfind(':');
  return absl::StrCat(listen.substr(0, colon), ":", port);
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask.
  const progress::StopSignals stop_signals;

  // --help lists this file's flags; gRPC's and Abseil's own stay under
  // --helpfull.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "counts the successes and failures that batch workers report "
      "and serves them to reporters and dashboards.\n"
      "Usage: progressd [--listen=127.0.0.1:50051] [flags]");
  absl::ParseCommandLine(argc, argv);

  const auto level = spdlog::level::from_str(absl::GetFlag(FLAGS_log_level));
  if (level == spdlog::level::off && absl::GetFlag(FLAGS_log_level) != "off") {
    return Fail(absl::StrCat("--log_level: unknown level '",
                             absl::GetFlag(FLAGS_log_level), "'"));
  }
  spdlog::set_level(level);

  const int64_t max_jobs = absl::GetFlag(FLAGS_max_jobs);
  const int64_t max_clients = absl::GetFlag(FLAGS_max_clients_per_job);
  const int64_t max_name = absl::GetFlag(FLAGS_max_job_name_bytes);
  if (max_jobs < 1 || max_clients < 1 || max_name < 1) {
    return Fail(
        "--max_jobs, --max_clients_per_job and --max_job_name_bytes must each "
        "be at least 1");
  }
  if (absl::GetFlag(FLAGS_max_message_bytes) < kMinMessageBytes) {
    return Fail(absl::StrCat("--max_message_bytes must be at least ",
                             kMinMessageBytes,
                             ": the client library sends messages of up to "
                             "32 KiB"));
  }
  if (absl::GetFlag(FLAGS_rate_window) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_shutdown_grace) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_shutdown_delay) < absl::ZeroDuration()) {
    return Fail(
        "--rate_window must be positive, --shutdown_grace and "
        "--shutdown_delay not negative");
  }

  progress::ServerTlsFiles tls_files;
  tls_files.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls_files.key_file = absl::GetFlag(FLAGS_tls_key);
  tls_files.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  absl::StatusOr<progress::ServerTlsPem> tls =
      progress::ReadServerTls(tls_files);
  if (!tls.ok()) return Fail(std::string(tls.status().message()));
  const bool tls_on = !tls->cert_chain.empty();
  const char* const security = !tls_on                  ? "plaintext"
                               : tls->client_ca.empty() ? "TLS"
                                                        : "mTLS";

  progress::RegistryOptions registry_options;
  registry_options.limits.max_jobs = static_cast<size_t>(max_jobs);
  registry_options.limits.max_clients_per_job =
      static_cast<size_t>(max_clients);
  registry_options.limits.max_job_name_bytes = static_cast<size_t>(max_name);
  registry_options.rate_window = absl::GetFlag(FLAGS_rate_window);
  progress::JobRegistry registry(registry_options);

  progress::ServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.write_threads = absl::GetFlag(FLAGS_write_threads);
  server_options.read_threads = absl::GetFlag(FLAGS_read_threads);
  server_options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (tls_on) server_options.credentials = progress::ServerTlsCredentials(*tls);
  progress::ProgressServer server(server_options, &registry);
  if (absl::Status started = server.Start(); !started.ok()) {
    return Fail(absl::StrCat("progressd cannot start: ", started.ToString()));
  }

  const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  std::unique_ptr<progress::MetricsEndpoint> metrics;
  if (!metrics_listen.empty()) {
    progress::MetricsOptions metrics_options;
    metrics_options.finished_job_ttl = absl::GetFlag(FLAGS_finished_job_ttl);
    metrics_options.version = PROGRESS_VERSION;
    progress::MetricsTls metrics_tls;
    if (tls_on) {
      // Without HTTPS, /metrics (read-only) may still serve on loopback,
      // and says so; anywhere else that would undo what TLS was asked for.
      if (absl::Status https = progress::PrepareCivetwebTls(); https.ok()) {
        metrics_tls = {tls_files.cert_file, tls_files.key_file,
                       tls_files.client_ca_file};
      } else if (progress::IsLoopbackAddress(metrics_listen)) {
        spdlog::warn(
            "/metrics stays plain HTTP on loopback: cannot serve "
            "HTTPS ({})",
            std::string(https.message()));
      } else {
        server.Shutdown(absl::ZeroDuration());
        return Fail(absl::StrCat(
            "progressd cannot start: TLS is on but /metrics on ",
            metrics_listen, " cannot serve HTTPS (", https.message(),
            "), and it will not serve metrics in plaintext off loopback: "
            "install progressd with its civetweb OpenSSL shims, or move "
            "--metrics_listen to loopback"));
      }
    }
    auto endpoint = progress::MetricsEndpoint::Start(
        metrics_listen,
        std::make_shared<progress::MetricsCollector>(&registry, &server.stats(),
                                                     metrics_options),
        metrics_tls);
    if (!endpoint.ok()) {
      server.Shutdown(absl::ZeroDuration());
      return Fail(absl::StrCat("progressd cannot start: ",
                               endpoint.status().ToString()));
    }
    metrics = *std::move(endpoint);
  }

  // The gRPC port file comes last: once it exists, everything is up.
  if ((metrics != nullptr &&
       !WritePortFile(absl::GetFlag(FLAGS_metrics_port_file),
                      metrics->port())) ||
      !WritePortFile(absl::GetFlag(FLAGS_port_file), server.port())) {
    server.Shutdown(absl::ZeroDuration());
    return Fail("cannot write --port_file or --metrics_port_file");
  }

  const std::string bound =
      BoundAddress(server_options.listen_address, server.port());
  if (!tls_on && !progress::IsLoopbackAddress(bound)) {
    spdlog::warn(
        "listening on {} without TLS: any host that can reach it can report "
        "and read counts; see --tls_cert",
        bound);
  }
  spdlog::info(
      "progressd listening on {} ({}) | metrics {} | write threads {} | read "
      "threads {} | max jobs {} | max clients/job {} | max job name {} bytes "
      "| max message {} bytes | rate window {} | shutdown delay {} | shutdown "
      "grace {}",
      bound, security,
      metrics ? absl::StrCat(metrics->scheme(), "://",
                             BoundAddress(metrics_listen, metrics->port()),
                             "/metrics")
              : std::string("off"),
      server_options.write_threads, server_options.read_threads, max_jobs,
      max_clients, max_name, server_options.max_message_bytes,
      absl::FormatDuration(registry_options.rate_window),
      absl::FormatDuration(absl::GetFlag(FLAGS_shutdown_delay)),
      absl::FormatDuration(absl::GetFlag(FLAGS_shutdown_grace)));

  const int signal_number = stop_signals.Wait();
  server.ReportNotServing();
  const absl::Duration delay = absl::GetFlag(FLAGS_shutdown_delay);
  if (delay > absl::ZeroDuration()) {
    spdlog::info(
        "progressd received {}; health is NOT_SERVING, still serving for {} "
        "(a second signal stops sooner)",
        strsignal(signal_number), absl::FormatDuration(delay));
    stop_signals.WaitFor(delay);
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  spdlog::info(
      "progressd {}; closing the listener, finishing open calls "
      "(grace {})",
      delay > absl::ZeroDuration()
          ? std::string("shutdown delay over")
          : absl::StrCat("received ", strsignal(signal_number)),
      absl::FormatDuration(grace));
  // civetweb takes up to about two seconds to stop; let it do so while the
  // gRPC side drains, so the whole shutdown stays within the grace.
  std::thread stop_metrics([&metrics] { metrics.reset(); });
  server.Shutdown(grace);
  stop_metrics.join();

  const progress::RegistryStats stats = registry.Stats();
  spdlog::info(
      "progressd stopped | jobs {} | entries applied {} | regressions ignored "
      "{} | values over the per-client cap rejected {}",
      stats.jobs, stats.entries_applied, stats.regressions_ignored,
      stats.values_over_cap_rejected);
  return 0;
}
