#include "state/state_codec.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "state/daemon_state.pb.h"

namespace progress {
namespace {

constexpr absl::string_view kMagic("PTSTATE\n", 8);
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8;

uint32_t Crc32(absl::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most a uInt at a time.
  while (!bytes.empty()) {
    const size_t chunk = std::min<size_t>(bytes.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uInt>(chunk));
    bytes.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  // Whole seconds first: nanoseconds since 1970 overflow int64 in 2262.
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

// Leaves the field unset for no time: its presence is the information.
template <typename MutableField>
void SetOptionalTime(const std::optional<absl::Time>& time,
                     MutableField mutable_field) {
  if (time.has_value()) SetTime(*time, mutable_field());
}

// Timestamps are checked, since a damaged file could hold any numbers.
absl::StatusOr<absl::Time> TimeOf(const google::protobuf::Timestamp& time,
                                  absl::string_view what) {
  // 0001-01-01 to 9999-12-31, as google.protobuf.Timestamp allows.
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  if (time.seconds() < kMinSeconds || time.seconds() > kMaxSeconds ||
      time.nanos() < 0 || time.nanos() > 999999999) {
    return absl::DataLossError(
        absl::StrFormat("%s is not a valid time (%d s, %d ns)", what,
                        time.seconds(), time.nanos()));
  }
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

absl::StatusOr<std::optional<absl::Time>> OptionalTime(
    const state::JobState& job, bool present,
    const google::protobuf::Timestamp& time, absl::string_view what) {
  if (!present) return std::nullopt;
  absl::StatusOr<absl::Time> converted =
      TimeOf(time, absl::StrFormat("job '%s': %s", job.name(), what));
  if (!converted.ok()) return converted.status();
  return *converted;
}

absl::StatusOr<JobRecord> RecordOf(const state::JobState& job) {
  JobRecord record;
  record.name = job.name();
  record.expected_total = job.expected_total();
  absl::StatusOr<absl::Time> created =
      TimeOf(job.created_time(),
             absl::StrFormat("job '%s': created_time", job.name()));
  if (!created.ok()) return created.status();
  record.created_time = *created;
  absl::StatusOr<std::optional<absl::Time>> first =
      OptionalTime(job, job.has_first_update_time(), job.first_update_time(),
                   "first_update_time");
  absl::StatusOr<std::optional<absl::Time>> last =
      OptionalTime(job, job.has_last_update_time(), job.last_update_time(),
                   "last_update_time");
  absl::StatusOr<std::optional<absl::Time>> finish = OptionalTime(
      job, job.has_finish_time(), job.finish_time(), "finish_time");
  for (const auto* time : {&first, &last, &finish}) {
    if (!time->ok()) return time->status();
  }
  record.first_update_time = *first;
  record.last_update_time = *last;
  record.finish_time = *finish;
  record.clients.reserve(job.clients_size());
  for (const state::ClientState& client : job.clients()) {
    record.clients.push_back(
        {client.client_id(), client.success(), client.failure()});
  }
  record.retired_success = job.retired_success();
  record.retired_failure = job.retired_failure();
  record.forgotten_clients = job.forgotten_clients();
  record.tombstones.reserve(job.tombstones_size());
  for (const state::TombstoneState& tombstone : job.tombstones()) {
    absl::StatusOr<absl::Time> folded =
        TimeOf(tombstone.folded_time(),
               absl::StrFormat("job '%s': tombstone folded_time", job.name()));
    if (!folded.ok()) return folded.status();
    record.tombstones.push_back({tombstone.client_id(), tombstone.success(),
                                 tombstone.failure(), *folded,
                                 tombstone.closed()});
  }
  return record;
}

}  // namespace

std::string EncodeStateFile(const StateSnapshot& snapshot) {
  state::DaemonState message;
  SetTime(snapshot.taken_time, message.mutable_taken_time());
  for (const JobRecord& record : snapshot.jobs) {
    state::JobState* job = message.add_jobs();
    job->set_name(record.name);
    job->set_expected_total(record.expected_total);
    SetTime(record.created_time, job->mutable_created_time());
    SetOptionalTime(record.first_update_time,
                    [job] { return job->mutable_first_update_time(); });
    SetOptionalTime(record.last_update_time,
                    [job] { return job->mutable_last_update_time(); });
    SetOptionalTime(record.finish_time,
                    [job] { return job->mutable_finish_time(); });
    for (const ClientRecord& client : record.clients) {
      state::ClientState* out = job->add_clients();
      out->set_client_id(client.client_id);
      out->set_success(client.success);
      out->set_failure(client.failure);
    }
    job->set_retired_success(record.retired_success);
    job->set_retired_failure(record.retired_failure);
    job->set_forgotten_clients(record.forgotten_clients);
    for (const TombstoneRecord& tombstone : record.tombstones) {
      state::TombstoneState* out = job->add_tombstones();
      out->set_client_id(tombstone.client_id);
      out->set_success(tombstone.success);
      out->set_failure(tombstone.failure);
      SetTime(tombstone.folded_time, out->mutable_folded_time());
      out->set_closed(tombstone.closed);
    }
  }
  const std::string payload = message.SerializeAsString();
  std::string bytes(kHeaderBytes, '\0');
  char* header = bytes.data();
  std::memcpy(header, kMagic.data(), kMagic.size());
  absl::little_endian::Store32(header + 8, kStateFormatVersion);
  absl::little_endian::Store32(header + 12, Crc32(payload));
  absl::little_endian::Store64(header + 16, payload.size());
  bytes += payload;
  return bytes;
}

absl::StatusOr<StateSnapshot> DecodeStateFile(absl::string_view bytes) {
  if (bytes.size() < kMagic.size() ||
      bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError(
        "not a progressd state file (it does not start with PTSTATE)");
  }
  if (bytes.size() < kHeaderBytes) {
    return absl::DataLossError(
        absl::StrFormat("truncated: %d bytes, shorter than the %d-byte header",
                        bytes.size(), kHeaderBytes));
  }
  const char* header = bytes.data();
  const uint32_t version = absl::little_endian::Load32(header + 8);
  if (version < kOldestStateFormatVersion || version > kStateFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "format version %d; this progressd reads versions %d to %d", version,
        kOldestStateFormatVersion, kStateFormatVersion));
  }
  const uint32_t crc = absl::little_endian::Load32(header + 12);
  const uint64_t length = absl::little_endian::Load64(header + 16);
  const absl::string_view payload = bytes.substr(kHeaderBytes);
  if (payload.size() < length) {
    return absl::DataLossError(absl::StrFormat(
        "truncated: the header announces %d bytes of state, the file holds "
        "%d",
        length, payload.size()));
  }
  if (payload.size() > length) {
    return absl::DataLossError(
        absl::StrFormat("%d unexpected bytes after the %d bytes of state",
                        payload.size() - length, length));
  }
  if (Crc32(payload) != crc) {
    return absl::DataLossError(
        "checksum mismatch: the state inside the file is damaged");
  }
  state::DaemonState message;
  if (length > static_cast<uint64_t>(INT32_MAX) ||
      !message.ParseFromArray(payload.data(), static_cast<int>(length))) {
    return absl::DataLossError(
        "the state passes its checksum but does not "
        "parse as progress.state.DaemonState");
  }
  StateSnapshot snapshot;
  absl::StatusOr<absl::Time> taken = TimeOf(message.taken_time(), "taken_time");
  if (!taken.ok()) return taken.status();
  snapshot.taken_time = *taken;
  snapshot.jobs.reserve(message.jobs_size());
  for (const state::JobState& job : message.jobs()) {
    absl::StatusOr<JobRecord> record = RecordOf(job);
    if (!record.ok()) return record.status();
    snapshot.jobs.push_back(*std::move(record));
  }
  return snapshot;
}

}  // namespace progress
