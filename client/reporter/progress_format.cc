#include "progress_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace progress::reporter {
namespace {

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

ProgressView ViewOf(const v1::Job& job, uint64_t total_override,
                    absl::Time now) {
  JobProgress progress;
  progress.success = job.success();
  progress.failure = job.failure();
  progress.expected_total = job.expected_total();
  if (job.has_first_update_time()) {
    progress.first_update = FromProto(job.first_update_time());
  }
  if (job.has_last_update_time()) {
    progress.last_update = FromProto(job.last_update_time());
  }
  if (job.has_finish_time()) progress.finish = FromProto(job.finish_time());
  progress.recent_rate = job.recent_rate();
  progress.done = job.done();
  ProgressView view = ViewOfProgress(progress, total_override, now);
  view.job = job.name();
  return view;
}

std::string FormatPartial(const DaemonCoverage& coverage) {
  return coverage.partial() ? "partial: " + MissingDaemons(coverage) : "";
}

std::string FormatSummary(const ProgressView& view,
                          const DaemonCoverage* coverage) {
  std::string partial_line;
  if (coverage != nullptr && coverage->partial()) {
    partial_line = absl::StrCat("Partial: ", MissingDaemons(*coverage));
  }
  return FormatFinalBlock(view, partial_line);
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
