#include "repeated_flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace progress::reporter {
namespace {

// The value of `arg` if it sets flag `name` inline (--name=v or -name=v).
bool InlineValue(absl::string_view arg, absl::string_view name,
                 absl::string_view* value) {
  if (!absl::ConsumePrefix(&arg, "-")) return false;
  absl::ConsumePrefix(&arg, "-");
  if (!absl::ConsumePrefix(&arg, name) || !absl::ConsumePrefix(&arg, "=")) {
    return false;
  }
  *value = arg;
  return true;
}

}  // namespace

std::vector<char*> FoldRepeatedFlags(
    int argc, char** argv, const std::vector<absl::string_view>& names,
    std::vector<std::string>* storage) {
  std::vector<char*> args;
  std::vector<std::vector<std::string>> values(names.size());
  for (int i = 0; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") {  // Everything after is positional.
      args.insert(args.end(), argv + i, argv + argc);
      break;
    }
    bool folded = false;
    for (size_t n = 0; i > 0 && n < names.size() && !folded; ++n) {
      absl::string_view value;
      if (InlineValue(arg, names[n], &value)) {
        values[n].emplace_back(value);
        folded = true;
      } else if ((arg == absl::StrCat("--", names[n]) ||
                  arg == absl::StrCat("-", names[n])) &&
                 i + 1 < argc) {
        values[n].emplace_back(argv[++i]);
        folded = true;
      }
    }
    if (!folded) args.push_back(argv[i]);
  }
  storage->clear();
  storage->reserve(names.size());  // No reallocation: args point into it.
  for (size_t n = 0; n < names.size(); ++n) {
    if (values[n].empty()) continue;
    storage->push_back(
        absl::StrCat("--", names[n], "=", absl::StrJoin(values[n], ",")));
  }
  // After the program name, in the order of `names`.
  for (size_t k = storage->size(); k > 0; --k) {
    args.insert(args.begin() + 1, (*storage)[k - 1].data());
  }
  return args;
}

}  // namespace progress::reporter
