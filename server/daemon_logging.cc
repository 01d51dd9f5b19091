#include "daemon_logging.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "rpc/rejection_log.h"

namespace progress {
namespace {

// Lines held while the writer catches up: rejection lines are rate limited
// (rpc/rejection_log.h), so this is only reached if stderr itself stalls.
constexpr size_t kQueuedLines = 8192;

// Protobuf writes straight to stderr, once per bad message (a string field
// that is not UTF-8, say): route it through the same rate limit and queue.
void LogFromProtobuf(google::protobuf::LogLevel level, const char* filename,
                     int line, const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_WARNING ||
      !RejectionLog::Default().Allow("protobuf")) {
    return;
  }
  spdlog::warn("protobuf ({}:{}): {}", filename, line, message);
}

// Protobuf's own handler, put back when the queue is gone.
google::protobuf::LogHandler* previous_protobuf_handler = nullptr;

}  // namespace

AsyncDaemonLog::AsyncDaemonLog() {
  spdlog::init_thread_pool(kQueuedLines, 1);
  // The same sinks as the default logger had, so lines go where they went.
  const std::shared_ptr<spdlog::logger> current = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::async_logger>(
      current->name(), current->sinks().begin(), current->sinks().end(),
      spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  logger->set_level(current->level());
  // Errors and above are flushed at once, so a failing start is never lost
  // in a buffer.
  logger->flush_on(spdlog::level::err);
  spdlog::set_default_logger(logger);
  previous_protobuf_handler = google::protobuf::SetLogHandler(&LogFromProtobuf);
}

void FlushDaemonLog(absl::Duration max_wait) {
  spdlog::default_logger()->flush();
  std::shared_ptr<spdlog::details::thread_pool> pool = spdlog::thread_pool();
  if (pool == nullptr) return;  // Synchronous: flushed already.
  // Lines are written in order, so once the queue is empty every line
  // queued before the flush is out.
  const absl::Time deadline = absl::Now() + max_wait;
  while (pool->queue_size() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
}

AsyncDaemonLog::~AsyncDaemonLog() {
  google::protobuf::SetLogHandler(previous_protobuf_handler);
  spdlog::shutdown();
}

}  // namespace progress
