#include "reporter_logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <utility>

namespace progress::reporter {
namespace {

// Writes the level as the seed's Python logging does: INFO, WARNING, ERROR.
class UpperLevel : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* name = "INFO";
    switch (message.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        name = "DEBUG";
        break;
      case spdlog::level::warn:
        name = "WARNING";
        break;
      case spdlog::level::err:
        name = "ERROR";
        break;
      case spdlog::level::critical:
        name = "CRITICAL";
        break;
      default:
        break;
    }
    dest.append(name, name + std::char_traits<char>::length(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<UpperLevel>();
  }
};

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name,
                                           spdlog::sink_ptr sink,
                                           const std::string& pattern) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<UpperLevel>('*').set_pattern(pattern);
  logger->set_formatter(std::move(formatter));
  // Lines must reach a pipe or a log file as they happen.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace

ReporterOutput MakeReporterOutput() {
  ReporterOutput output;
  output.log = MakeLogger("progress-reporter",
                          std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                          "%Y-%m-%d %H:%M:%S,%e %* progress-reporter: %v");
  output.summary =
      MakeLogger("progress-summary",
                 std::make_shared<spdlog::sinks::stderr_sink_mt>(), "%v");
  output.json = MakeLogger(
      "progress-json", std::make_shared<spdlog::sinks::stdout_sink_mt>(), "%v");
  return output;
}

}  // namespace progress::reporter
