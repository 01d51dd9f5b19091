#include "reporter.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "daemon_poller.h"
#include "names.h"

namespace progress::reporter {
namespace {

// Long enough for a reachable daemon to answer, short enough that a signal
// still ends the reporter promptly when it is not.
constexpr absl::Duration kFinalPollTimeout = absl::Seconds(1);

DaemonCoverage CoverageOf(const PollSum& sum) {
  DaemonCoverage coverage;
  coverage.answered = sum.answered;
  for (const MissingDaemon& missing : sum.missing) {
    coverage.missing.push_back(missing.daemon);
  }
  return coverage;
}

}  // namespace

absl::Status ValidateOptions(const ReporterOptions& options) {
  for (const std::string& job : options.jobs) {
    absl::Status valid = ValidateName(absl::StrCat("job name '", job, "'"), job,
                                      kDefaultMaxJobNameBytes);
    if (!valid.ok()) return valid;
  }
  return absl::OkStatus();
}

Reporter::Reporter(ReporterOptions options, ReporterOutput output)
    : options_(std::move(options)),
      out_(std::move(output)),
      daemons_(options_.servers, options_.each_address, ResolveEachAddress,
               DaemonSet::ChannelsWith(options_.security)),
      watch_(options_.servers, daemons_.several(), options_.each_address,
             out_.log) {}

Reporter::Polled Reporter::Poll(absl::Time deadline) {
  Polled polled;
  polled.daemons = daemons_.Resolve();
  polled.answers = PollDaemons(polled.daemons, options_.jobs, deadline);
  // A refused handshake says little by itself; name the TLS set-up tried.
  for (DaemonAnswer& answer : polled.answers) {
    answer.status = internal::WithTlsContext(std::move(answer.status),
                                             answer.daemon, options_.security);
  }
  polled.sum = SumAnswers(polled.answers, options_.jobs);
  return polled;
}

void Reporter::Report(const PollSum& sum, absl::Time now) {
  const bool name_lines = options_.jobs.size() != 1;
  const DaemonCoverage coverage = CoverageOf(sum);
  // With one daemon, lines and JSON read exactly as they always have.
  const DaemonCoverage* several = daemons_.several() ? &coverage : nullptr;
  std::string partial = FormatPartial(coverage);
  if (!partial.empty()) partial = absl::StrCat(" | ", partial);
  bool all_complete = !sum.jobs.empty() && sum.waiting_for.empty();
  for (const v1::Job& job : sum.jobs) {
    const ProgressView view = ViewOf(job, options_.total, now);
    all_complete = all_complete && view.complete();
    if (options_.format == Format::kJson) {
      out_.json->info(FormatJson(view, now, several));
    } else if (name_lines) {
      out_.log->info("[{}] {}{}", job.name(), FormatProgressLine(view),
                     partial);
    } else {
      out_.log->info("{}{}", FormatProgressLine(view), partial);
    }
    auto seen = std::find_if(
        last_seen_.begin(), last_seen_.end(),
        [&job](const Seen& known) { return known.job.name() == job.name(); });
    if (seen == last_seen_.end()) {
      last_seen_.push_back({job, coverage});
    } else {
      *seen = {job, coverage};
    }
  }
  all_complete_ = all_complete;
  partial_ = sum.partial();
}

void Reporter::PrintSummary(absl::Time now) {
  if (options_.format == Format::kLog) {
    for (const Seen& seen : last_seen_) {
      const ProgressView view = ViewOf(seen.job, options_.total, now);
      out_.summary->info("");
      if (options_.jobs.size() != 1) {
        out_.summary->info("Job: {}", seen.job.name());
      }
      for (absl::string_view line :
           absl::StrSplit(FormatSummary(view, &seen.coverage), '\n')) {
        out_.summary->info(std::string(line));
      }
    }
  }
  out_.summary->flush();
  out_.log->flush();
  out_.json->flush();
}

int Reporter::CompletedExitCode() const {
  const bool had_failures =
      std::any_of(last_seen_.begin(), last_seen_.end(),
                  [](const Seen& seen) { return seen.job.failure() > 0; });
  return options_.fail_on_failures && had_failures ? kExitJobFailures : kExitOk;
}

std::optional<MissingDaemon> Reporter::FatalError(const PollSum& sum) const {
  // The daemon's own name limit (--max_job_name_bytes) may be tighter than
  // the one checked at startup; a rejected name is the user's to fix, and
  // no other daemon would take it either.
  if (!options_.jobs.empty()) {
    for (const MissingDaemon& missing : sum.missing) {
      if (absl::IsInvalidArgument(missing.status)) return missing;
    }
  }
  // One daemon's error leaves it out of the sums like an outage would; only
  // when none answered is there nothing to go on with.
  if (!sum.answered.empty()) return std::nullopt;
  for (const MissingDaemon& missing : sum.missing) {
    if (!IsUnreachable(missing.status)) return missing;
  }
  return std::nullopt;
}

int Reporter::OnDaemonError(const MissingDaemon& error) {
  int code = kExitDaemonError;
  const std::string daemon = watch_.Describe(error.daemon);
  if (absl::IsInvalidArgument(error.status) && !options_.jobs.empty()) {
    out_.log->error("progressd at {} rejects a job name: {}", daemon,
                    std::string(error.status.message()));
    code = kExitUsage;
  } else {
    out_.log->error("progressd at {} answered with an error: {}", daemon,
                    error.status.ToString());
  }
  PrintSummary(absl::Now());
  return code;
}

int Reporter::OnStop() {
  // One last quick look, so the summary holds what the jobs reached by the
  // signal rather than by the previous poll, and a job that completed in
  // between is not taken for an interrupted one.
  Polled polled = Poll(absl::Now() + kFinalPollTimeout);
  const absl::Time now = absl::Now();
  if (!polled.sum.answered.empty()) {
    watch_.Observe(polled.daemons, polled.answers, polled.sum);
    Report(polled.sum, now);
  } else if (!polled.sum.missing.empty()) {
    const MissingDaemon& failed = polled.sum.missing.front();
    out_.log->warn("last poll of progressd at {} failed: {}",
                   watch_.Describe(failed.daemon), failed.status.ToString());
  }
  if (options_.until_done && (!all_complete_ || partial_)) {
    out_.log->warn(partial_ ? "stopped while some daemon's counts were missing"
                            : "stopped before every followed job was complete");
    PrintSummary(now);
    return kExitInterrupted;
  }
  PrintSummary(now);
  return CompletedExitCode();
}

int Reporter::Run(const std::atomic<bool>& stop) {
  const absl::Time start = absl::Now();
  const absl::Duration call_timeout =
      std::max(options_.interval, absl::Seconds(1));
  absl::flat_hash_set<std::string> waiting_logged;
  while (!stop.load()) {
    const absl::Time poll_start = absl::Now();
    const Polled polled = Poll(poll_start + call_timeout);
    const absl::Time now = absl::Now();
    if (std::optional<MissingDaemon> fatal = FatalError(polled.sum)) {
      return OnDaemonError(*fatal);
    }
    watch_.Observe(polled.daemons, polled.answers, polled.sum);
    if (!polled.sum.answered.empty()) {
      for (const std::string& name : polled.sum.waiting_for) {
        if (waiting_logged.insert(name).second) {
          out_.log->info("waiting for job '{}' to appear", name);
        }
      }
      Report(polled.sum, now);
      // Counts from a missing daemon could still be outstanding: complete
      // only counts when every daemon answered.
      if (options_.until_done && all_complete_ && !partial_) {
        PrintSummary(now);
        return CompletedExitCode();
      }
    }
    if (now - start >= options_.connect_timeout) {
      const auto never = watch_.NeverReached();
      for (const auto& [server, status] : never) {
        out_.log->error("never reached progressd at {} within {}: {}", server,
                        absl::FormatDuration(options_.connect_timeout),
                        status.ToString());
      }
      if (!never.empty()) return kExitUnreachable;
    }
    // Sleep out the interval in short steps so a signal ends it promptly.
    const absl::Time next = poll_start + options_.interval;
    while (!stop.load() && absl::Now() < next) {
      absl::SleepFor(std::min(next - absl::Now(), absl::Milliseconds(20)));
    }
  }
  return OnStop();
}

}  // namespace progress::reporter
