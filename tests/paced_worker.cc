// A worker that reports at a steady pace, so a scraper sees a rate:
//   paced_worker JOB RECORDS_PER_TICK TICKS TICK_MS
// Reports through the default client ($PROGRESS_TRACKER_ADDRESS), flushes,
// and prints "SENT <records>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "progress/client.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: paced_worker JOB RECORDS_PER_TICK TICKS TICK_MS\n");
    return 2;
  }
  progress::Client& client = progress::Client::Default();
  progress::Job job = client.GetJob(argv[1]);
  const unsigned long long per_tick = std::strtoull(argv[2], nullptr, 10);
  const long ticks = std::strtol(argv[3], nullptr, 10);
  const long tick_ms = std::strtol(argv[4], nullptr, 10);
  for (long tick = 0; tick < ticks; ++tick) {
    job.AddSuccess(per_tick);
    std::this_thread::sleep_for(std::chrono::milliseconds(tick_ms));
  }
  const progress::Status flushed = client.Flush(std::chrono::seconds(20));
  if (!flushed.ok()) {
    std::fprintf(stderr, "paced_worker: %s\n", flushed.ToString().c_str());
    return 1;
  }
  std::printf("SENT %llu\n", per_tick * ticks);
  return 0;
}
