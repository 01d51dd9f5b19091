#include "progress_format.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace progress::reporter {
namespace {

constexpr char kRule[] = "--------------------------------------------------";

// A partial note names at most this many missing daemons: with one daemon
// per node, a lost zone could be hundreds.
constexpr size_t kMissingNamed = 3;

absl::Time FromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

std::string JsonString(const std::string& text) {
  // Job names are restricted to [A-Za-z0-9._:-], so no escaping is needed;
  // keep it safe anyway for anything that is not.
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JsonNumber(std::optional<double> value) {
  return value ? absl::StrFormat("%.3f", *value) : "null";
}

// "1 of 3 daemons missing (10.0.0.7:50051)".
std::string MissingDaemons(const DaemonCoverage& coverage) {
  const size_t missing = coverage.missing.size();
  std::string text =
      absl::StrCat(missing, " of ", missing + coverage.answered.size(),
                   " daemons missing (");
  for (size_t i = 0; i < missing && i < kMissingNamed; ++i) {
    absl::StrAppend(&text, i > 0 ? ", " : "", coverage.missing[i]);
  }
  if (missing > kMissingNamed) {
    absl::StrAppend(&text, " and ", missing - kMissingNamed, " more");
  }
  return text + ")";
}

std::string JsonStrings(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (const std::string& text : texts) {
    if (out.size() > 1) out += ',';
    out += JsonString(text);
  }
  return out + "]";
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

ProgressView ViewOf(const v1::Job& job, uint64_t total_override,
                    absl::Time now) {
  ProgressView view;
  view.job = job.name();
  view.success = job.success();
  view.failure = job.failure();
  view.total = total_override > 0 ? total_override : job.expected_total();
  view.done = job.done();
  view.recent_rate = job.recent_rate();
  // The clock starts at the first update, not at creation: a driver may
  // start a job long before its workers send anything, and that wait is not
  // the job's pace.
  if (!job.has_first_update_time()) return view;
  const absl::Time started = FromProto(job.first_update_time());
  // A finished job's clock stops at its finish; one that reached its total
  // stops at its last update, so the summary's rate is the job's own.
  absl::Time end = now;
  if (job.has_finish_time()) {
    end = FromProto(job.finish_time());
  } else if (view.complete() && job.has_last_update_time()) {
    end = FromProto(job.last_update_time());
  }
  view.elapsed = std::max(end - started, absl::ZeroDuration());
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
      WithThousands(static_cast<uint64_t>(std::llround(view.rate()))),
      " rec/s | ",
      absl::StrFormat("%.1fs elapsed", absl::ToDoubleSeconds(view.elapsed)));
  if (const std::optional<absl::Duration> eta = view.eta()) {
    absl::StrAppend(
        &line, absl::StrFormat(", ETA %.1fs", absl::ToDoubleSeconds(*eta)));
  }
  return line;
}

std::string FormatPartial(const DaemonCoverage& coverage) {
  return coverage.partial() ? "partial: " + MissingDaemons(coverage) : "";
}

std::string FormatSummary(const ProgressView& view,
                          const DaemonCoverage* coverage) {
  std::string partial_line;
  if (coverage != nullptr && coverage->partial()) {
    partial_line = absl::StrCat("Partial: ", MissingDaemons(*coverage), "\n");
  }
  return absl::StrCat(
      kRule, "\n", "Final: ", WithThousands(view.processed()), " total | ",
      WithThousands(view.success), " success | ", WithThousands(view.failure),
      " failure\n",
      absl::StrFormat("Time: %.1fs | Rate: ",
                      absl::ToDoubleSeconds(view.elapsed)),
      WithThousands(static_cast<uint64_t>(std::llround(view.rate()))),
      " rec/s\n", partial_line, kRule);
}

std::string FormatJson(const ProgressView& view, absl::Time now,
                       const DaemonCoverage* coverage) {
  std::optional<double> eta;
  if (auto left = view.eta()) eta = absl::ToDoubleSeconds(*left);
  return absl::StrCat(
      "{\"time\":",
      JsonString(
          absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone())),
      ",\"job\":", JsonString(view.job), ",\"success\":", view.success,
      ",\"failure\":", view.failure, ",\"processed\":", view.processed(),
      ",\"total\":", view.total == 0 ? "null" : absl::StrCat(view.total),
      ",\"percent\":", JsonNumber(view.percent()),
      ",\"rate\":", JsonNumber(view.rate()),
      ",\"recent_rate\":", JsonNumber(view.recent_rate),
      ",\"elapsed_s\":", JsonNumber(absl::ToDoubleSeconds(view.elapsed)),
      ",\"eta_s\":", JsonNumber(eta),
      ",\"done\":", view.done ? "true" : "false",
      ",\"complete\":", view.complete() ? "true" : "false",
      coverage == nullptr
          ? ""
          : absl::StrCat(
                ",\"partial\":", coverage->partial() ? "true" : "false",
                ",\"daemons_answered\":", JsonStrings(coverage->answered),
                ",\"daemons_missing\":", JsonStrings(coverage->missing)),
      "}");
}

}  // namespace progress::reporter
