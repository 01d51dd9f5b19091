// progress-bench flood: write load, with the server's cost when its pid is
// given, and a check that it counted every message.
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/synchronization/notification.h"
#include "bench_flags.h"
#include "bench_report.h"
#include "bench_stats.h"
#include "bench_target.h"
#include "flood.h"
#include "http_get.h"

namespace progress::bench {
namespace {

// Scrapes /metrics on `port` every interval until told to stop.
class Scraper {
 public:
  Scraper(int port, absl::Duration interval)
      : thread_([this, port, interval] {
          while (!stop_.WaitForNotificationWithTimeout(interval)) {
            if (auto body = testing::HttpGet(port, "/metrics")) {
              ++scrapes_;
              bytes_ += body->size();
            }
          }
        }) {}
  void Stop() {
    stop_.Notify();
    thread_.join();
  }
  int scrapes() const { return scrapes_; }
  double kib_each() const {
    return scrapes_ == 0 ? 0 : bytes_ / 1024.0 / scrapes_;
  }

 private:
  absl::Notification stop_;
  std::atomic<int> scrapes_{0};
  std::atomic<size_t> bytes_{0};
  std::thread thread_;
};

}  // namespace

int RunFloodMode() {
  const std::optional<Target> target = TargetFromFlags();
  if (!target) return 2;
  FloodOptions options;
  options.address = target->address;
  options.security = target->security;
  options.job = absl::GetFlag(FLAGS_job);
  options.streams = absl::GetFlag(FLAGS_streams);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.records = absl::GetFlag(FLAGS_records);
  options.duration = options.records > 0 ? absl::InfiniteDuration()
                                         : absl::GetFlag(FLAGS_duration);
  options.stream_interval = absl::GetFlag(FLAGS_stream_interval);
  options.pipeline = absl::GetFlag(FLAGS_pipeline);
  if (options.streams < 1 || options.threads < 1 ||
      options.stream_interval < absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "progress-bench: --streams and --threads must be positive, "
                 "--stream_interval not negative\n");
    return 2;
  }
  const int pid = absl::GetFlag(FLAGS_daemon_pid);
  // progressd with its read server, if it has one: both are its cost.
  const std::vector<int> pids = pid ? WithChildren(pid) : std::vector<int>{};
  auto rss = [&pids] {
    uint64_t sum = 0;
    for (int p : pids) sum += ResidentBytes(p);
    return sum;
  };
  auto cpu_seconds = [&pids] {
    double sum = 0;
    for (int p : pids) sum += CpuSeconds(p);
    return sum;
  };
  const uint64_t idle_rss = rss();
  uint64_t open_rss = 0;
  if (pid) options.while_open = [&] { open_rss = rss(); };

  absl::StatusOr<std::unique_ptr<CounterReader>> reader = MakeCounterReader(
      target->backend, target->address, options.job, target->security);
  absl::StatusOr<uint64_t> before =
      reader.ok() ? (*reader)->Read() : reader.status();
  if (!before.ok()) {
    std::fprintf(stderr, "progress-bench: cannot read the count: %s\n",
                 before.status().ToString().c_str());
    return 1;
  }
  const std::string metrics = absl::GetFlag(FLAGS_metrics);
  std::unique_ptr<Scraper> scraper;
  if (!metrics.empty()) {
    scraper = std::make_unique<Scraper>(
        std::atoi(metrics.substr(metrics.rfind(':') + 1).c_str()),
        absl::GetFlag(FLAGS_scrape_interval));
  }
  const double cpu_before = cpu_seconds();
  const FloodResult result = target->backend == Backend::kRedis
                                 ? RunRedisFlood(options)
                                 : RunProgressdFlood(options);
  if (scraper) scraper->Stop();
  const double cpu = cpu_seconds() - cpu_before;
  const absl::StatusOr<uint64_t> after = (*reader)->Read();
  const bool exact = after.ok() && result.failed_streams == 0 &&
                     *after - *before == result.messages;

  Report report("flood");
  report.AddText("backend", absl::GetFlag(FLAGS_backend), "backend");
  report.Add("streams", options.streams, "", "streams (clients)");
  report.Add("stream_interval_ms",
             absl::ToDoubleMilliseconds(options.stream_interval), "ms",
             "interval per stream (0: unpaced)");
  report.Add("messages", result.messages, "", "messages sent");
  report.Add("seconds", result.seconds, "s", "time");
  // Redis connects before its clock starts; progressd's streams are timed
  // once all are open.
  const bool steady = result.steady_seconds > 0.1;
  report.Add("messages_per_second",
             steady ? result.steady_messages / result.steady_seconds
                    : result.messages / result.seconds,
             "msg/s", "messages per second, all streams open");
  report.Add("counted", after.ok() ? *after - *before : 0, "",
             "counted by the server");
  report.Add("failed_streams", result.failed_streams, "", "failed streams");
  report.AddText("exact", exact ? "yes" : "NO", "count exact");
  if (pid) {
    report.Add("server_cpu_seconds", cpu, "s", "server CPU time");
    report.Add("server_cpu_ms_per_1000_messages",
               cpu * 1e6 / std::max<uint64_t>(1, result.messages), "ms",
               "server CPU per 1,000 messages");
    report.Add("server_processes", pids.size(), "",
               "server processes measured (with its read server)");
    report.Add("server_rss_idle_mb", idle_rss / 1e6, "MB",
               "server resident memory before");
    report.Add("server_rss_open_mb", open_rss / 1e6, "MB",
               "server resident memory, streams open");
    report.Add("streams_open_at_rss", result.open_when_sampled, "",
               "streams open then");
  }
  if (scraper) {
    report.Add("scrapes", scraper->scrapes(), "", "/metrics scrapes meanwhile");
    report.Add("scrape_kib", scraper->kib_each(), "KiB", "size of each");
  }
  report.Print(absl::GetFlag(FLAGS_json));
  if (!result.first_error.empty()) {
    std::fprintf(stderr, "first stream error: %s\n",
                 result.first_error.c_str());
  }
  if (!after.ok()) {
    std::fprintf(stderr, "cannot read the count afterwards: %s\n",
                 after.status().ToString().c_str());
  }
  return exact ? 0 : 1;
}

}  // namespace progress::bench
