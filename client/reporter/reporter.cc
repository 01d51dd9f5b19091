#include "reporter.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"

namespace progress::reporter {
namespace {

using ::progress::internal::FromGrpcStatus;

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

}  // namespace

Reporter::Reporter(ReporterOptions options, std::shared_ptr<spdlog::logger> out,
                   std::shared_ptr<spdlog::logger> summary_out)
    : options_(std::move(options)),
      out_(std::move(out)),
      summary_out_(std::move(summary_out)) {
  // Find a restarted daemon within about a poll or two.
  stub_ = v1::ProgressTracker::NewStub(
      internal::DaemonChannel(options_.server, absl::Seconds(1)));
}

absl::StatusOr<std::vector<v1::Job>> Reporter::Poll() {
  const absl::Duration call_timeout =
      std::max(options_.interval, absl::Seconds(1));
  std::vector<v1::Job> jobs;
  waiting_for_.clear();
  if (options_.jobs.empty()) {
    std::string token;
    do {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout));
      v1::ListJobsRequest request;
      request.set_page_token(token);
      v1::ListJobsResponse response;
      absl::Status status =
          FromGrpcStatus(stub_->ListJobs(&context, request, &response));
      if (!status.ok()) return status;
      for (v1::Job& job : *response.mutable_jobs()) {
        jobs.push_back(std::move(job));
      }
      token = response.next_page_token();
    } while (!token.empty());
    return jobs;
  }
  for (const std::string& name : options_.jobs) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout));
    v1::GetCountsRequest request;
    request.set_job(name);
    v1::GetCountsResponse response;
    absl::Status status =
        FromGrpcStatus(stub_->GetCounts(&context, request, &response));
    if (absl::IsNotFound(status)) {
      waiting_for_.push_back(name);
      continue;
    }
    if (!status.ok()) return status;
    jobs.push_back(std::move(*response.mutable_job()));
  }
  return jobs;
}

void Reporter::Report(const std::vector<v1::Job>& jobs, absl::Time now) {
  const bool name_lines = options_.jobs.size() != 1;
  for (const v1::Job& job : jobs) {
    const ProgressView view = ViewOf(job, options_.total, now);
    if (options_.format == Format::kJson) {
      summary_out_->info(FormatJson(view, now));
    } else if (name_lines) {
      out_->info("[{}] {}", job.name(), FormatProgressLine(view));
    } else {
      out_->info(FormatProgressLine(view));
    }
    Remember(job, &last_seen_);
  }
}

int Reporter::Finish(absl::Time now) {
  bool had_failures = false;
  for (const v1::Job& job : last_seen_) {
    const ProgressView view = ViewOf(job, options_.total, now);
    had_failures = had_failures || view.failure > 0;
    if (options_.format != Format::kLog) continue;
    summary_out_->info("");
    if (options_.jobs.size() != 1) summary_out_->info("Job: {}", job.name());
    for (absl::string_view line : absl::StrSplit(FormatSummary(view), '\n')) {
      summary_out_->info(std::string(line));
    }
  }
  summary_out_->flush();
  out_->flush();
  return options_.fail_on_failures && had_failures ? kExitJobFailures : kExitOk;
}

int Reporter::Run(const std::atomic<bool>& stop) {
  const absl::Time start = absl::Now();
  bool reached = false;
  bool unreachable_logged = false;
  absl::flat_hash_set<std::string> waiting_logged;
  while (!stop.load()) {
    const absl::Time poll_start = absl::Now();
    absl::StatusOr<std::vector<v1::Job>> polled = Poll();
    const absl::Time now = absl::Now();
    if (!polled.ok()) {
      if (!reached && now - start >= options_.connect_timeout) {
        out_->error("never reached progressd at {} within {}: {}",
                    options_.server,
                    absl::FormatDuration(options_.connect_timeout),
                    polled.status().ToString());
        return kExitUnreachable;
      }
      if (!unreachable_logged) {
        unreachable_logged = true;
        out_->warn("cannot reach progressd at {} ({}); still polling",
                   options_.server, polled.status().ToString());
      }
    } else {
      if (unreachable_logged) {
        unreachable_logged = false;
        out_->info("reached progressd at {}", options_.server);
      }
      reached = true;
      for (const std::string& name : waiting_for_) {
        if (waiting_logged.insert(name).second) {
          out_->info("waiting for job '{}' to appear", name);
        }
      }
      Report(*polled, now);
      const bool all_complete =
          !polled->empty() && waiting_for_.empty() &&
          std::all_of(polled->begin(), polled->end(), [&](const v1::Job& job) {
            return ViewOf(job, options_.total, now).complete();
          });
      if (options_.until_done && all_complete) return Finish(now);
    }
    // Sleep out the interval in short steps so a signal ends it promptly.
    const absl::Time next = poll_start + options_.interval;
    while (!stop.load() && absl::Now() < next) {
      absl::SleepFor(std::min(next - absl::Now(), absl::Milliseconds(20)));
    }
  }
  return Finish(absl::Now());
}

}  // namespace progress::reporter
