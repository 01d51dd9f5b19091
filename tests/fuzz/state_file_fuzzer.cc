// Feeds progressd's state-file reader any bytes, as a damaged or hostile
// file on disk would; and, when the input's first byte is odd, the rest of
// it framed with a right header and checksum, so the fuzzing reaches the
// parsing and restoring behind the checksum too: DecodeStateFile must refuse
// what it cannot read with a status, never crash; what it accepts must restore
// a registry all or nothing, whose counters are its clients' and retired
// sums; and writing that registry out again must read back the same.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/internal/endian.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "registry/job_registry.h"
#include "state/state_codec.h"

namespace progress::fuzz {
namespace {

void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "state_file_fuzzer: %s\n", what);
    std::abort();
  }
}

void CheckRestored(const StateSnapshot& snapshot) {
  JobRegistry registry;
  if (!registry.Restore(snapshot.jobs).ok()) {
    Require(registry.Stats().jobs == 0, "a refused restore left jobs");
    return;
  }
  for (const JobRecord& record : snapshot.jobs) {
    uint64_t success = record.retired_success;
    uint64_t failure = record.retired_failure;
    for (const ClientRecord& client : record.clients) {
      success += client.success;
      failure += client.failure;
    }
    absl::StatusOr<JobSnapshot> job = registry.Get(record.name);
    Require(job.ok(), "a restored job is missing");
    Require(job->success == success && job->failure == failure,
            "a restored job's counters are not its clients' and retired "
            "sums");
    Require(job->done == record.finish_time.has_value(),
            "a restored job's done flag is not its finish time's");
  }
  // The registry written out reads back as it was restored.
  absl::StatusOr<StateSnapshot> again = DecodeStateFile(
      EncodeStateFile({snapshot.taken_time, registry.Records()}));
  Require(again.ok(), "a restored registry's own file does not decode");
  Require(again->jobs.size() == snapshot.jobs.size(),
          "a restored registry's own file lost jobs");
  // A sweep folds, forgets and drops (by today's clock most of it is old),
  // but never changes a count of a job it keeps.
  const JobPage before = registry.List("", snapshot.jobs.size() + 1);
  registry.Sweep();
  for (const JobSnapshot& job : before.jobs) {
    absl::StatusOr<JobSnapshot> swept = registry.Get(job.name);
    if (!swept.ok()) continue;
    Require(swept->success == job.success && swept->failure == job.failure &&
                swept->clients == job.clients,
            "a sweep changed a job's counts");
  }
}

// `payload` behind the header EncodeStateFile writes, checksum included.
std::string Framed(absl::string_view payload) {
  std::string bytes("PTSTATE\n", 8);
  const uint32_t crc = static_cast<uint32_t>(crc32(
      crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(payload.data()),
      static_cast<uInt>(payload.size())));
  char numbers[16];
  absl::little_endian::Store32(numbers, kStateFormatVersion);
  absl::little_endian::Store32(numbers + 4, crc);
  absl::little_endian::Store64(numbers + 8, payload.size());
  bytes.append(numbers, sizeof numbers);
  bytes.append(payload.data(), payload.size());
  return bytes;
}

}  // namespace
}  // namespace progress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs what it refuses; a fuzzer makes that a lot.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string framed;
  if (!bytes.empty() && (bytes[0] & 1) != 0) {
    framed = progress::fuzz::Framed(bytes.substr(1));
    bytes = framed;
  }
  absl::StatusOr<progress::StateSnapshot> snapshot =
      progress::DecodeStateFile(bytes);
  if (snapshot.ok()) progress::fuzz::CheckRestored(*snapshot);
  return 0;
}
