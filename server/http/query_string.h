#ifndef PROGRESS_SERVER_HTTP_QUERY_STRING_H_
#define PROGRESS_SERVER_HTTP_QUERY_STRING_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace progress {

// `text` with its %-escapes decoded, and '+' as a space when
// `plus_is_space` (a query's form encoding; a path keeps its '+').
// INVALID_ARGUMENT for a malformed escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          bool plus_is_space);

// The parameters of a URL's query ("a=1&b=x%20y"), percent- and
// '+'-decoded. INVALID_ARGUMENT for a malformed escape or a parameter
// given twice, so a script's mistake is an error and not a guess.
absl::StatusOr<std::map<std::string, std::string>> ParseQueryString(
    absl::string_view query);

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_QUERY_STRING_H_
