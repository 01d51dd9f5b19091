#include "reporter.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"
#include "names.h"

namespace progress::reporter {
namespace {

using ::progress::internal::FromGrpcStatus;

// Long enough for a reachable daemon to answer, short enough that a signal
// still ends the reporter promptly when it is not.
constexpr absl::Duration kFinalPollTimeout = absl::Seconds(1);

// Replaces the entry of the same name in `seen`, or adds it.
void Remember(const v1::Job& job, std::vector<v1::Job>* seen) {
  for (v1::Job& known : *seen) {
    if (known.name() == job.name()) {
      known = job;
      return;
    }
  }
  seen->push_back(job);
}

// Only these mean the daemon could not be asked; every other code is an
// answer from whatever listens there, and waiting would not change it.
// CANCELLED is among them because the reporter never cancels a call itself:
// it is what a daemon that is shutting down (to restart, say) returns to
// calls that arrive in that moment.
bool IsUnreachable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsCancelled(status);
}

// `status` with the call it came from in front of its message, so an error
// log says which request the daemon refused.
absl::Status FromCall(const grpc::Status& grpc_status, absl::string_view call) {
  const absl::Status status = FromGrpcStatus(grpc_status);
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      status.message().empty()
                          ? std::string(call)
                          : absl::StrCat(call, ": ", status.message()));
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
    : options_(std::move(options)), out_(std::move(output)) {
  // Find a restarted daemon within about a poll or two.
  stub_ = v1::ProgressTracker::NewStub(internal::DaemonChannel(
      options_.server, absl::Seconds(1), options_.security));
}

absl::StatusOr<std::vector<v1::Job>> Reporter::Poll(absl::Time deadline) {
  std::vector<v1::Job> jobs;
  waiting_for_.clear();
  if (options_.jobs.empty()) {
    std::string token;
    do {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(deadline));
      v1::ListJobsRequest request;
      request.set_page_token(token);
      v1::ListJobsResponse response;
      absl::Status status =
          FromCall(stub_->ListJobs(&context, request, &response), "ListJobs");
      if (!status.ok()) {
        return internal::WithTlsContext(status, options_.server,
                                        options_.security);
      }
      for (v1::Job& job : *response.mutable_jobs()) {
        jobs.push_back(std::move(job));
      }
      token = response.next_page_token();
    } while (!token.empty());
    return jobs;
  }
  for (const std::string& name : options_.jobs) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    v1::GetCountsRequest request;
    request.set_job(name);
    v1::GetCountsResponse response;
    absl::Status status =
        FromCall(stub_->GetCounts(&context, request, &response),
                 absl::StrCat("GetCounts(", name, ")"));
    if (absl::IsNotFound(status)) {
      waiting_for_.push_back(name);
      continue;
    }
    if (!status.ok()) {
      return internal::WithTlsContext(status, options_.server,
                                      options_.security);
    }
    jobs.push_back(std::move(*response.mutable_job()));
  }
  return jobs;
}

void Reporter::Report(const std::vector<v1::Job>& jobs, absl::Time now) {
  const bool name_lines = options_.jobs.size() != 1;
  bool all_complete = !jobs.empty() && waiting_for_.empty();
  for (const v1::Job& job : jobs) {
    const ProgressView view = ViewOf(job, options_.total, now);
    all_complete = all_complete && view.complete();
    if (options_.format == Format::kJson) {
      out_.json->info(FormatJson(view, now));
    } else if (name_lines) {
      out_.log->info("[{}] {}", job.name(), FormatProgressLine(view));
    } else {
      out_.log->info(FormatProgressLine(view));
    }
    Remember(job, &last_seen_);
  }
  all_complete_ = all_complete;
}

void Reporter::PrintSummary(absl::Time now) {
  if (options_.format == Format::kLog) {
    for (const v1::Job& job : last_seen_) {
      const ProgressView view = ViewOf(job, options_.total, now);
      out_.summary->info("");
      if (options_.jobs.size() != 1) out_.summary->info("Job: {}", job.name());
      for (absl::string_view line : absl::StrSplit(FormatSummary(view), '\n')) {
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
                  [](const v1::Job& job) { return job.failure() > 0; });
  return options_.fail_on_failures && had_failures ? kExitJobFailures : kExitOk;
}

int Reporter::OnDaemonError(const absl::Status& status) {
  int code = kExitDaemonError;
  // The daemon's own name limit (--max_job_name_bytes) may be tighter than
  // the one checked at startup; a rejected name is still the user's to fix.
  if (absl::IsInvalidArgument(status) && !options_.jobs.empty()) {
    out_.log->error("progressd at {} rejects a job name: {}", options_.server,
                    std::string(status.message()));
    code = kExitUsage;
  } else {
    out_.log->error("progressd at {} answered with an error: {}",
                    options_.server, status.ToString());
  }
  PrintSummary(absl::Now());
  return code;
}

int Reporter::OnStop() {
  // One last quick look, so the summary holds what the jobs reached by the
  // signal rather than by the previous poll, and a job that completed in
  // between is not taken for an interrupted one.
  absl::StatusOr<std::vector<v1::Job>> polled =
      Poll(absl::Now() + kFinalPollTimeout);
  const absl::Time now = absl::Now();
  if (polled.ok()) {
    Report(*polled, now);
  } else {
    out_.log->warn("last poll of progressd at {} failed: {}", options_.server,
                   polled.status().ToString());
  }
  if (options_.until_done && !all_complete_) {
    out_.log->warn("stopped before every followed job was complete");
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
  bool reached = false;
  bool unreachable_logged = false;
  absl::flat_hash_set<std::string> waiting_logged;
  while (!stop.load()) {
    const absl::Time poll_start = absl::Now();
    absl::StatusOr<std::vector<v1::Job>> polled =
        Poll(poll_start + call_timeout);
    const absl::Time now = absl::Now();
    if (polled.ok()) {
      if (unreachable_logged) {
        unreachable_logged = false;
        out_.log->info("reached progressd at {}", options_.server);
      }
      reached = true;
      for (const std::string& name : waiting_for_) {
        if (waiting_logged.insert(name).second) {
          out_.log->info("waiting for job '{}' to appear", name);
        }
      }
      Report(*polled, now);
      if (options_.until_done && all_complete_) {
        PrintSummary(now);
        return CompletedExitCode();
      }
    } else if (IsUnreachable(polled.status())) {
      if (!reached && now - start >= options_.connect_timeout) {
        out_.log->error("never reached progressd at {} within {}: {}",
                        options_.server,
                        absl::FormatDuration(options_.connect_timeout),
                        polled.status().ToString());
        return kExitUnreachable;
      }
      if (!unreachable_logged) {
        unreachable_logged = true;
        out_.log->warn("cannot reach progressd at {} ({}); still polling",
                       options_.server, polled.status().ToString());
      }
    } else {
      return OnDaemonError(polled.status());
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
