#include "names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace progress {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

absl::Status ValidateName(absl::string_view what, absl::string_view name,
                          size_t max_bytes) {
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (name.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is %d bytes, longer than the limit of %d", what,
                        name.size(), max_bytes));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s has byte 0x%02x at offset %d; allowed: %s", what,
          static_cast<unsigned char>(name[i]), i, kNameCharsetDescription));
    }
  }
  return absl::OkStatus();
}

}  // namespace progress
