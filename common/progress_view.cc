#include "progress_view.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace progress {
namespace {

constexpr char kRule[] = "--------------------------------------------------";

std::string RoundedRate(double rate) {
  return WithThousands(static_cast<uint64_t>(std::llround(rate)));
}

}  // namespace

double ProgressView::rate() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0.0 ? processed() / seconds : 0.0;
}

std::optional<double> ProgressView::percent() const {
  if (total == 0) return std::nullopt;
  return 100.0 * static_cast<double>(processed()) / static_cast<double>(total);
}

std::optional<absl::Duration> ProgressView::eta() const {
  // The recent rate follows a job that speeds up or slows down; the average
  // since the first update would promise the pace of its warm-up.
  const double pace = recent_rate > 0.0 ? recent_rate : rate();
  if (total == 0 || processed() >= total || done || pace <= 0.0) {
    return std::nullopt;
  }
  return absl::Seconds(static_cast<double>(total - processed()) / pace);
}

bool ProgressView::complete() const {
  return done || (total > 0 && processed() >= total);
}

ProgressView ViewOfProgress(const JobProgress& job, uint64_t total_override,
                            absl::Time now) {
  ProgressView view;
  view.success = job.success;
  view.failure = job.failure;
  view.total = total_override > 0 ? total_override : job.expected_total;
  view.done = job.done;
  view.recent_rate = job.recent_rate;
  // The clock starts at the first update, not at creation: a driver may
  // start a job long before its workers send anything, and that wait is not
  // the job's pace.
  if (!job.first_update.has_value()) return view;
  // A finished job's clock stops at its finish; one that reached its total
  // stops at its last update, so the summary's rate is the job's own.
  absl::Time end = now;
  if (job.finish.has_value()) {
    end = *job.finish;
  } else if (view.complete() && job.last_update.has_value()) {
    end = *job.last_update;
  }
  view.elapsed = std::max(end - *job.first_update, absl::ZeroDuration());
  return view;
}

std::string WithThousands(uint64_t value) {
  std::string digits = absl::StrCat(value);
  std::string out;
  const int first_group = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out.append(digits, 0, first_group);
  for (size_t i = first_group; i < digits.size(); i += 3) {
    out += ',';
    out.append(digits, i, 3);
  }
  return out;
}

std::string FormatProgressLine(const ProgressView& view) {
  std::string line =
      absl::StrCat("Progress: ", WithThousands(view.processed()));
  if (const std::optional<double> percent = view.percent()) {
    absl::StrAppend(&line, "/", WithThousands(view.total),
                    absl::StrFormat(" (%.1f%%)", *percent));
  }
  absl::StrAppend(
      &line, " | success: ", WithThousands(view.success),
      " | failure: ", WithThousands(view.failure), " | ",
      RoundedRate(view.rate()), " rec/s | ",
      absl::StrFormat("%.1fs elapsed", absl::ToDoubleSeconds(view.elapsed)));
  if (const std::optional<absl::Duration> eta = view.eta()) {
    absl::StrAppend(
        &line, absl::StrFormat(", ETA %.1fs", absl::ToDoubleSeconds(*eta)));
  }
  return line;
}

std::string FormatFinalBlock(const ProgressView& view,
                             absl::string_view extra_line) {
  return absl::StrCat(kRule, "\n", "Final: ", WithThousands(view.processed()),
                      " total | ", WithThousands(view.success), " success | ",
                      WithThousands(view.failure), " failure\n",
                      absl::StrFormat("Time: %.1fs | Rate: ",
                                      absl::ToDoubleSeconds(view.elapsed)),
                      RoundedRate(view.rate()), " rec/s\n", extra_line,
                      extra_line.empty() ? "" : "\n", kRule);
}

}  // namespace progress
