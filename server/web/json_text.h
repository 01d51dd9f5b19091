#ifndef PROGRESS_SERVER_WEB_JSON_TEXT_H_
#define PROGRESS_SERVER_WEB_JSON_TEXT_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/http_server.h"
#include "registry/rate_history.h"

namespace progress {

// The pieces of the JSON API's text.

// `message` in proto3 JSON: lowerCamel names, every scalar printed even
// when 0, 64-bit integers as strings, timestamps in RFC 3339.
std::string ProtoJson(const google::protobuf::Message& message);

// `text` as a JSON string, quoted and escaped.
std::string JsonString(absl::string_view text);

// RFC 3339 in UTC with milliseconds, as proto3 JSON writes timestamps.
std::string JsonTime(absl::Time time);

// {"stepSeconds": 2, "endTime": "...", "recordsPerSecond": [...]}; no
// endTime before the first point.
std::string RateSeriesJson(const RateSeries& series);

// A 200 with `json` as the body.
HttpResponse JsonOk(std::string json);

// {"error": {"code": 404, "status": "NOT_FOUND", "message": "..."}} with
// the HTTP status matching `status`'s code (400, 404, else 500).
HttpResponse JsonError(const absl::Status& status);

}  // namespace progress

#endif  // PROGRESS_SERVER_WEB_JSON_TEXT_H_
