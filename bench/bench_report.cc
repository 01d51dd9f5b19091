#include "bench_report.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace progress::bench {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.6g", value);
}

}  // namespace

void Report::Add(std::string key, double value, std::string unit,
                 std::string label) {
  rows_.push_back(
      {std::move(key), std::move(label), std::move(unit), "", value, false});
}

void Report::AddText(std::string key, std::string value, std::string label) {
  rows_.push_back(
      {std::move(key), std::move(label), "", std::move(value), 0, true});
}

void Report::Print(bool json) const {
  if (json) {
    std::string out = absl::StrCat("{\"mode\": ", JsonString(mode_));
    for (const Row& row : rows_) {
      absl::StrAppend(
          &out, ", ", JsonString(row.key), ": ",
          row.is_text ? JsonString(row.text) : JsonNumber(row.value));
    }
    std::printf("%s}\n", out.c_str());
    std::fflush(stdout);
    return;
  }
  std::printf("progress-bench %s\n", mode_.c_str());
  for (const Row& row : rows_) {
    std::string value = row.text;
    if (!row.is_text) {
      // Counts print whole; measured values to four significant digits.
      const bool whole =
          row.value == std::floor(row.value) && std::fabs(row.value) < 1e15;
      value = whole ? absl::StrFormat("%.0f", row.value)
                    : absl::StrFormat("%.4g", row.value);
    }
    std::printf("  %-46s %14s %s\n", row.label.c_str(), value.c_str(),
                row.unit.c_str());
  }
  std::fflush(stdout);
}

}  // namespace progress::bench
