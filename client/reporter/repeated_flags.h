#ifndef PROGRESS_CLIENT_REPORTER_REPEATED_FLAGS_H_
#define PROGRESS_CLIENT_REPORTER_REPEATED_FLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace progress::reporter {

// Abseil keeps only the last of a repeated flag, but list flags (--job,
// --server) are meant to repeat. Returns argv with every occurrence of each
// flag in `names` (--name=v, -name=v, --name v) folded into one
// comma-separated --name=v1,v2 right after the program name; `storage` holds
// those folded arguments and must outlive the result. Nothing after "--" is
// touched.
std::vector<char*> FoldRepeatedFlags(
    int argc, char** argv, const std::vector<absl::string_view>& names,
    std::vector<std::string>* storage);

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_REPEATED_FLAGS_H_
