#include "web/json_text.h"

#include <google/protobuf/util/json_util.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace progress {

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  // Fails only for messages that cannot be JSON (an invalid UTF-8 string);
  // ours hold validated names and numbers.
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        // Control bytes, and bytes past ASCII (names are ASCII; an error
        // message may quote someone's invalid UTF-8), are escaped so the
        // text stays valid JSON whatever it quotes.
        if (static_cast<unsigned char>(c) < 0x20 ||
            static_cast<unsigned char>(c) >= 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string JsonTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

std::string RateSeriesJson(const RateSeries& series) {
  std::vector<std::string> points;
  points.reserve(series.per_second.size());
  // Four significant digits are more than a chart can show.
  for (const float rate : series.per_second) {
    points.push_back(absl::StrFormat("%.4g", rate));
  }
  return absl::StrCat("{\"stepSeconds\":", absl::ToDoubleSeconds(series.step),
                      series.end_time == absl::UnixEpoch()
                          ? ""
                          : absl::StrCat(",\"endTime\":",
                                         JsonString(JsonTime(series.end_time))),
                      ",\"recordsPerSecond\":[", absl::StrJoin(points, ","),
                      "]}");
}

HttpResponse JsonOk(std::string json) {
  return {200, "application/json", std::move(json)};
}

HttpResponse JsonError(const absl::Status& status) {
  int http = 500;
  if (status.code() == absl::StatusCode::kInvalidArgument) http = 400;
  if (status.code() == absl::StatusCode::kNotFound) http = 404;
  return {http, "application/json",
          absl::StrCat("{\"error\":{\"code\":", http, ",\"status\":",
                       JsonString(absl::StatusCodeToString(status.code())),
                       ",\"message\":", JsonString(status.message()), "}}\n")};
}

}  // namespace progress
