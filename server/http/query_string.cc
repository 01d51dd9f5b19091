#include "http/query_string.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace progress {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (plus_is_space && text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else if (i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed %-escape in '", text, "'"));
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseQueryString(
    absl::string_view query) {
  std::map<std::string, std::string> parameters;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> split =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> key = PercentDecode(split.first, true);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = PercentDecode(split.second, true);
    if (!value.ok()) return value.status();
    if (!parameters.emplace(*std::move(key), *std::move(value)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query parameter '", split.first, "' is given more than once"));
    }
  }
  return parameters;
}

}  // namespace progress
