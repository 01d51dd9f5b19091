// progress-reporter: polls progressd and logs progress in the seed's format;
// with --check, asks whether the daemons serve, for probes and scripts.
#include <signal.h>

#include <algorithm>
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
#include "absl/time/time.h"
#include "health_check.h"
#include "repeated_flags.h"
#include "reporter.h"
#include "reporter_logging.h"
#include "tls_flags.h"

ABSL_FLAG(std::vector<std::string>, server, {},
          "progressd daemons to poll (host:port); repeat the flag or separate "
          "with commas for several, and each job is summed over all of them. "
          "Empty: $PROGRESS_TRACKER_ADDRESS, else 127.0.0.1:50051.");
ABSL_FLAG(bool, each_address, false,
          "Resolve each --server name at every poll and ask every address it "
          "resolves to, each as a daemon of its own (a headless Service's "
          "name: one address per pod). Without it a name is one daemon.");
ABSL_FLAG(bool, check, false,
          "Ask each daemon's gRPC health service whether it serves, then "
          "exit: 0 serving (nothing printed), else one line per daemon that "
          "does not on stderr and status 1, 3 or 6. For probes and scripts.");
ABSL_FLAG(std::vector<std::string>, job, {},
          "Job to follow; repeat the flag or separate with commas for several. "
          "Empty: every job the daemons have.");
ABSL_FLAG(absl::Duration, interval, absl::Milliseconds(500),
          "Time between polls.");
ABSL_FLAG(uint64_t, total, 0,
          "Expected records, replacing the jobs' own expected totals; 0 keeps "
          "theirs.");
ABSL_FLAG(bool, until_done, false,
          "Exit once every followed job is finished or has reached its total "
          "and every daemon answered; a signal before then exits with status "
          "5.");
ABSL_FLAG(bool, fail_on_failures, false,
          "Exit with status 4 if a followed job had failures.");
ABSL_FLAG(std::string, format, "log",
          "log: the progress lines and final summary, on stderr like every "
          "message; json: one JSON object per job per poll on stdout, and "
          "nothing else there.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "Exit with status 3 if a --server is not reached within this time "
          "of starting. Once reached, the reporter keeps polling through "
          "outages. With --check, how long to keep trying: 2s unless given.");
namespace {

using progress::reporter::kExitOk;
using progress::reporter::kExitUsage;

// A probe must answer well within its own timeout; a script that waits for
// a daemon to come up passes a longer --connect_timeout.
constexpr absl::Duration kCheckTimeout = absl::Seconds(2);

std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested.store(true); }

// Abseil 20220623 reports a bad flag and calls std::exit(1), but 1 means "the
// daemon answered with an error" here. While flags are parsed, that exit is
// turned into the usage status.
std::atomic<bool> parsing_flags{false};

void ExitUsageWhileParsingFlags() {
  if (!parsing_flags.load()) return;
  std::fflush(nullptr);
  std::_Exit(kExitUsage);
}

// The --server list, each entry once, in order; $PROGRESS_TRACKER_ADDRESS
// (one target, as the client library reads it) or the default when empty.
std::vector<std::string> Servers() {
  std::vector<std::string> servers;
  for (const std::string& server : absl::GetFlag(FLAGS_server)) {
    if (server.empty()) continue;
    if (std::find(servers.begin(), servers.end(), server) == servers.end()) {
      servers.push_back(server);
    }
  }
  if (servers.empty()) {
    const char* from_env = std::getenv("PROGRESS_TRACKER_ADDRESS");
    servers.push_back(from_env != nullptr && *from_env != '\0'
                          ? from_env
                          : "127.0.0.1:50051");
  }
  return servers;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "reporter/main.cc") ||
           progress::internal::IsTlsFlagFile(path);
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "polls progressd and logs each job's progress and a final summary on "
      "stderr;\nwith --format=json, stdout carries one JSON object per job "
      "per poll and nothing else.\n"
      "Usage: progress-reporter [--server=HOST:PORT,...] [--job=NAME] "
      "[--until_done] [flags]\n"
      "       progress-reporter --check [--server=...] "
      "[--connect_timeout=2s]\n"
      "Exit status: 0 done (with --check: serving); 1 a daemon answered "
      "with an error; 2 bad flags or job name; 3 a daemon not reached within "
      "--connect_timeout; 4 a job had failures (with --fail_on_failures); 5 "
      "stopped by a signal before the jobs were done (with --until_done); 6 "
      "a daemon is NOT_SERVING (with --check).");
  std::vector<std::string> folded;
  std::vector<char*> args = progress::reporter::FoldRepeatedFlags(
      argc, argv, {"job", "server"}, &folded);
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
    return kExitOk;
  }

  progress::reporter::ReporterOptions options;
  options.servers = Servers();
  options.each_address = absl::GetFlag(FLAGS_each_address);
  for (const std::string& job : absl::GetFlag(FLAGS_job)) {
    if (!job.empty()) options.jobs.push_back(job);
  }
  options.interval = absl::GetFlag(FLAGS_interval);
  options.total = absl::GetFlag(FLAGS_total);
  options.until_done = absl::GetFlag(FLAGS_until_done);
  options.fail_on_failures = absl::GetFlag(FLAGS_fail_on_failures);
  options.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  const std::string format = absl::GetFlag(FLAGS_format);

  progress::reporter::ReporterOutput output =
      progress::reporter::MakeReporterOutput();
  const std::shared_ptr<spdlog::logger> log = output.log;
  if (positional.size() > 1) {
    log->error("unexpected argument '{}'; flags are --name=value",
               positional[1]);
    return kExitUsage;
  }
  if (format == "json") {
    options.format = progress::reporter::Format::kJson;
  } else if (format != "log") {
    log->error("--format must be log or json, not '{}'", format);
    return kExitUsage;
  }
  if (options.interval <= absl::ZeroDuration()) {
    log->error("--interval must be positive");
    return kExitUsage;
  }
  absl::StatusOr<progress::internal::ChannelSecurity> security =
      progress::internal::ChannelSecurityFromFlags();
  if (!security.ok()) {
    log->error("{}", std::string(security.status().message()));
    return progress::reporter::kExitUsage;
  }
  options.security = *std::move(security);
  if (absl::Status valid = progress::reporter::ValidateOptions(options);
      !valid.ok()) {
    log->error("bad --job: {}", std::string(valid.message()));
    return kExitUsage;
  }
  if (absl::Status valid = progress::reporter::DaemonSet::Validate(
          options.servers, options.each_address);
      !valid.ok()) {
    log->error("bad --server: {}", std::string(valid.message()));
    return kExitUsage;
  }

  if (absl::GetFlag(FLAGS_check)) {
    const absl::Duration timeout =
        absl::flags_internal::WasPresentOnCommandLine("connect_timeout")
            ? options.connect_timeout
            : kCheckTimeout;
    progress::reporter::DaemonSet daemons(
        options.servers, options.each_address,
        progress::reporter::ResolveEachAddress,
        progress::reporter::DaemonSet::ChannelsWith(options.security));
    return progress::reporter::RunHealthCheck(daemons, options.security,
                                              timeout, *log);
  }

  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  progress::reporter::Reporter reporter(options, std::move(output));
  return reporter.Run(stop_requested);
}
