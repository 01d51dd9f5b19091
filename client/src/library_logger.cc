#include "library_logger.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace progress::client {
namespace {

constexpr char kLevelEnv[] = "PROGRESS_TRACKER_LOG_LEVEL";

absl::StatusOr<spdlog::level::level_enum> ParseLevel(absl::string_view name) {
  const std::string text(name);
  const spdlog::level::level_enum level = spdlog::level::from_str(text);
  // from_str answers "off" for every name it does not know.
  if (level == spdlog::level::off && text != "off") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown log level '", name,
        "'; use trace, debug, info, warn, error, critical or off"));
  }
  return level;
}

spdlog::logger* MakeLogger() {
  // Leaked on purpose: exit-time flushes of the default client still log.
  auto* logger = new spdlog::logger(
      "progress-client", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e progress-client[%P] %l: %v");
  logger->set_level(spdlog::level::info);
  const char* from_env = std::getenv(kLevelEnv);
  if (from_env != nullptr && *from_env != '\0') {
    absl::StatusOr<spdlog::level::level_enum> level = ParseLevel(from_env);
    if (level.ok()) {
      logger->set_level(*level);
    } else {
      logger->warn("{}: {}", kLevelEnv, std::string(level.status().message()));
    }
  }
  return logger;
}

}  // namespace

spdlog::logger& Log() {
  static spdlog::logger* const logger = MakeLogger();
  return *logger;
}

absl::Status SetLogLevel(absl::string_view level) {
  absl::StatusOr<spdlog::level::level_enum> parsed = ParseLevel(level);
  if (!parsed.ok()) return parsed.status();
  Log().set_level(*parsed);
  return absl::OkStatus();
}

}  // namespace progress::client
