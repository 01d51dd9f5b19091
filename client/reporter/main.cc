// progress-reporter: polls progressd and logs progress in the seed's format.
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "reporter.h"

ABSL_FLAG(std::string, server, "",
          "progressd to poll (host:port). Empty: $PROGRESS_TRACKER_ADDRESS, "
          "else 127.0.0.1:50051.");
ABSL_FLAG(std::vector<std::string>, job, {},
          "Job to follow; repeat the flag or separate with commas for several. "
          "Empty: every job the daemon has.");
ABSL_FLAG(absl::Duration, interval, absl::Milliseconds(500),
          "Time between polls.");
ABSL_FLAG(uint64_t, total, 0,
          "Expected records, replacing the jobs' own expected totals; 0 keeps "
          "theirs.");
ABSL_FLAG(bool, until_done, false,
          "Exit once every followed job is finished or has reached its total; "
          "a signal before then exits with status 5.");
ABSL_FLAG(bool, fail_on_failures, false,
          "Exit with status 4 if a followed job had failures.");
ABSL_FLAG(std::string, format, "log",
          "log: the progress lines and final summary, on stderr like every "
          "message; json: one JSON object per job per poll on stdout, and "
          "nothing else there.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "Exit with status 3 if the daemon is not reached within this time "
          "of starting. Once reached, the reporter keeps polling through "
          "outages.");
ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting gRPC's default roots unless --tls_ca "
          "is given. false: $PROGRESS_TRACKER_TLS (1/true) decides.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate(s) the daemon's certificate must be signed by; "
          "turns TLS on. Empty: $PROGRESS_TRACKER_TLS_CA.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for a daemon that requires one (mTLS); "
          "turns TLS on. Empty: $PROGRESS_TRACKER_TLS_CERT.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert. Empty: $PROGRESS_TRACKER_TLS_KEY.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name the daemon's certificate must carry when it is not --server's "
          "host. Empty: $PROGRESS_TRACKER_TLS_SERVER_NAME.");

namespace {

std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested.store(true); }

// Abseil 20220623 reports a bad flag and calls std::exit(1), but 1 means "the
// daemon answered with an error" here. While flags are parsed, that exit is
// turned into the usage status.
std::atomic<bool> parsing_flags{false};

void ExitUsageWhileParsingFlags() {
  if (!parsing_flags.load()) return;
  std::fflush(nullptr);
  std::_Exit(progress::reporter::kExitUsage);
}

// Writes the level as the seed's Python logging does: INFO, WARNING, ERROR.
class UpperLevel : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* name = "INFO";
    switch (message.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        name = "DEBUG";
        break;
      case spdlog::level::warn:
        name = "WARNING";
        break;
      case spdlog::level::err:
        name = "ERROR";
        break;
      case spdlog::level::critical:
        name = "CRITICAL";
        break;
      default:
        break;
    }
    dest.append(name, name + std::char_traits<char>::length(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<UpperLevel>();
  }
};

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name,
                                           spdlog::sink_ptr sink,
                                           const std::string& pattern) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<UpperLevel>('*').set_pattern(pattern);
  logger->set_formatter(std::move(formatter));
  // Lines must reach a pipe or a log file as they happen.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

// Abseil keeps only the last of a repeated flag; --job is meant to repeat.
// Folds every --job into one comma-separated --job before parsing.
std::vector<char*> FoldRepeatedJobFlags(int argc, char** argv,
                                        std::string* joined) {
  std::vector<char*> args;
  std::vector<std::string> jobs;
  for (int i = 0; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") {  // Everything after is positional.
      args.insert(args.end(), argv + i, argv + argc);
      break;
    }
    absl::string_view rest = arg;
    if (i > 0 && (absl::ConsumePrefix(&rest, "--job=") ||
                  absl::ConsumePrefix(&rest, "-job="))) {
      jobs.emplace_back(rest);
      continue;
    }
    if (i > 0 && (arg == "--job" || arg == "-job") && i + 1 < argc) {
      jobs.emplace_back(argv[++i]);
      continue;
    }
    args.push_back(argv[i]);
  }
  if (!jobs.empty()) {
    *joined = absl::StrCat("--job=", absl::StrJoin(jobs, ","));
    args.insert(args.begin() + 1, joined->data());
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "reporter/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "polls progressd and logs each job's progress and a final summary on "
      "stderr;\nwith --format=json, stdout carries one JSON object per job "
      "per poll and nothing else.\n"
      "Usage: progress-reporter [--job=NAME] [--until_done] [flags]\n"
      "Exit status: 0 done; 1 the daemon answered with an error; 2 bad flags "
      "or job name; 3 never reached the daemon within --connect_timeout; 4 a "
      "job had failures (with --fail_on_failures); 5 stopped by a signal "
      "before the jobs were done (with --until_done).");
  std::string joined_jobs;
  std::vector<char*> args = FoldRepeatedJobFlags(argc, argv, &joined_jobs);
  std::atexit(ExitUsageWhileParsingFlags);
  parsing_flags.store(true);
  // Usage flags are handled here rather than by Abseil, which exits 1 after
  // --help; asking for help is not an error.
  const std::vector<char*> positional =
      absl::flags_internal::ParseCommandLineImpl(
          static_cast<int>(args.size()), args.data(),
          absl::flags_internal::ArgvListAction::kRemoveParsedArgs,
          absl::flags_internal::UsageFlagsAction::kIgnoreUsage,
          absl::flags_internal::OnUndefinedFlag::kAbortIfUndefined);
  parsing_flags.store(false);
  if (absl::flags_internal::HandleUsageFlags(
          std::cout, absl::ProgramUsageMessage()) != -1) {
    return progress::reporter::kExitOk;
  }

  progress::reporter::ReporterOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  if (options.server.empty()) {
    const char* from_env = std::getenv("PROGRESS_TRACKER_ADDRESS");
    options.server =
        from_env != nullptr && *from_env != '\0' ? from_env : "127.0.0.1:50051";
  }
  for (const std::string& job : absl::GetFlag(FLAGS_job)) {
    if (!job.empty()) options.jobs.push_back(job);
  }
  options.interval = absl::GetFlag(FLAGS_interval);
  options.total = absl::GetFlag(FLAGS_total);
  options.until_done = absl::GetFlag(FLAGS_until_done);
  options.fail_on_failures = absl::GetFlag(FLAGS_fail_on_failures);
  options.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  const std::string format = absl::GetFlag(FLAGS_format);

  // People read stderr; stdout is kept for JSON lines, which programs read.
  // Each logger has a sink of its own: a sink holds its logger's pattern.
  progress::reporter::ReporterOutput output;
  output.log = MakeLogger("progress-reporter",
                          std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                          "%Y-%m-%d %H:%M:%S,%e %* progress-reporter: %v");
  output.summary =
      MakeLogger("progress-summary",
                 std::make_shared<spdlog::sinks::stderr_sink_mt>(), "%v");
  output.json = MakeLogger(
      "progress-json", std::make_shared<spdlog::sinks::stdout_sink_mt>(), "%v");
  const std::shared_ptr<spdlog::logger> log = output.log;
  if (positional.size() > 1) {
    log->error("unexpected argument '{}'; flags are --name=value",
               positional[1]);
    return progress::reporter::kExitUsage;
  }
  if (format == "json") {
    options.format = progress::reporter::Format::kJson;
  } else if (format != "log") {
    log->error("--format must be log or json, not '{}'", format);
    return progress::reporter::kExitUsage;
  }
  if (options.interval <= absl::ZeroDuration()) {
    log->error("--interval must be positive");
    return progress::reporter::kExitUsage;
  }
  progress::internal::TlsSettings tls;
  tls.tls = absl::GetFlag(FLAGS_tls);
  tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls.key_file = absl::GetFlag(FLAGS_tls_key);
  tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  absl::StatusOr<progress::internal::TlsSettings> settings =
      progress::internal::WithEnvironment(tls);
  absl::StatusOr<progress::internal::ChannelSecurity> security =
      settings.ok() ? progress::internal::LoadChannelSecurity(*settings)
                    : settings.status();
  if (!security.ok()) {
    log->error("{}", std::string(security.status().message()));
    return progress::reporter::kExitUsage;
  }
  options.security = *std::move(security);
  if (absl::Status valid = progress::reporter::ValidateOptions(options);
      !valid.ok()) {
    log->error("bad --job: {}", std::string(valid.message()));
    return progress::reporter::kExitUsage;
  }

  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  progress::reporter::Reporter reporter(options, std::move(output));
  return reporter.Run(stop_requested);
}
