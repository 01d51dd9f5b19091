#include "web/jobs_api.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "http/query_string.h"
#include "names.h"
#include "rpc/read_handlers.h"
#include "web/json_text.h"

namespace progress {
namespace {

// What a list request asks for.
struct ListQuery {
  size_t page_size = kDefaultPageSize;
  std::string page_token;
  std::string filter;
  bool active_first = false;
  bool history = false;
};

absl::StatusOr<bool> ParseHistory(
    const std::map<std::string, std::string>& parameters) {
  auto it = parameters.find("history");
  if (it == parameters.end() || it->second == "0" || it->second == "false") {
    return false;
  }
  if (it->second == "1" || it->second == "true") return true;
  return absl::InvalidArgumentError("history must be 1 or 0");
}

absl::Status OnlyKnownParameters(
    const std::map<std::string, std::string>& parameters,
    const std::vector<absl::string_view>& known) {
  for (const auto& [key, value] : parameters) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown query parameter '", key, "'; this URL takes ",
                       absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ListQuery> ParseListQuery(
    const std::map<std::string, std::string>& parameters,
    size_t max_name_bytes) {
  absl::Status known = OnlyKnownParameters(
      parameters, {"page_size", "page_token", "filter", "order", "history"});
  if (!known.ok()) return known;
  ListQuery query;
  if (auto it = parameters.find("page_size"); it != parameters.end()) {
    uint32_t size = 0;
    if (!absl::SimpleAtoi(it->second, &size)) {
      return absl::InvalidArgumentError(
          "page_size must be a whole number (0 means 100, at most 1000)");
    }
    query.page_size = ClampPageSize(size);
  }
  if (auto it = parameters.find("order"); it != parameters.end()) {
    if (it->second != "name" && it->second != "active") {
      return absl::InvalidArgumentError("order must be 'name' or 'active'");
    }
    query.active_first = it->second == "active";
  }
  if (auto it = parameters.find("filter");
      it != parameters.end() && !it->second.empty()) {
    absl::Status valid = ValidateName("filter", it->second, max_name_bytes);
    if (!valid.ok()) return valid;
    query.filter = it->second;
  }
  if (auto it = parameters.find("page_token"); it != parameters.end()) {
    query.page_token = it->second;
  }
  absl::StatusOr<bool> history = ParseHistory(parameters);
  if (!history.ok()) return history.status();
  query.history = *history;
  return query;
}

// A job that matches a list request, with its done flag read once, so the
// order and the page boundaries agree with each other.
struct Match {
  std::shared_ptr<const Job> job;
  bool done = false;
};

// Where a job sorts: its name, after the jobs still running when running
// ones come first. A page token is the key of the last job on the page:
// the name alone (as ListJobs' tokens), or with "!a" (active) or "!d"
// (done) before it, which sort in that order and hold a character no name
// has.
std::string SortKey(const Match& match, bool active_first) {
  if (!active_first) return match.job->name();
  return absl::StrCat(match.done ? "!d" : "!a", match.job->name());
}

absl::Status CheckPageToken(absl::string_view token, bool active_first,
                            size_t max_name_bytes) {
  if (token.empty()) return absl::OkStatus();
  absl::string_view name = token;
  if (active_first && !absl::ConsumePrefix(&name, "!a") &&
      !absl::ConsumePrefix(&name, "!d")) {
    return absl::InvalidArgumentError(
        "page_token is not one this order gives out");
  }
  return ValidateName("page_token", name, max_name_bytes);
}

// The job as proto3 JSON, with its rate history when given.
std::string JobJson(const JobSnapshot& snapshot,
                    const std::optional<RateSeries>& history) {
  v1::Job job;
  ToProto(snapshot, &job);
  std::string json = ProtoJson(job);
  if (!history.has_value()) return json;
  json.pop_back();  // The closing brace.
  absl::StrAppend(&json, json.size() > 1 ? "," : "",
                  "\"rateHistory\":", RateSeriesJson(*history), "}");
  return json;
}

HttpResponse ListJobs(const JobRegistry& registry,
                      const std::map<std::string, std::string>& parameters) {
  const size_t max_name_bytes = registry.limits().max_job_name_bytes;
  absl::StatusOr<ListQuery> query = ParseListQuery(parameters, max_name_bytes);
  if (!query.ok()) return JsonError(query.status());
  if (absl::Status token = CheckPageToken(query->page_token,
                                          query->active_first, max_name_bytes);
      !token.ok()) {
    return JsonError(token);
  }
  // Every match, to count them and to put running jobs first; only the
  // jobs on the page are snapshot.
  std::vector<Match> matches;
  for (std::shared_ptr<const Job>& job : registry.AllJobs()) {
    if (absl::StrContains(job->name(), query->filter)) {
      const bool done = job->done();
      matches.push_back({std::move(job), done});
    }
  }
  const size_t active = static_cast<size_t>(std::count_if(
      matches.begin(), matches.end(), [](const Match& m) { return !m.done; }));
  if (query->active_first) {
    std::stable_partition(matches.begin(), matches.end(),
                          [](const Match& m) { return !m.done; });
  }
  auto first = matches.begin();
  if (!query->page_token.empty()) {
    first = std::find_if(matches.begin(), matches.end(), [&](const Match& m) {
      return SortKey(m, query->active_first) > query->page_token;
    });
  }
  const size_t left = static_cast<size_t>(matches.end() - first);
  const auto last = first + std::min(left, query->page_size);
  const absl::Time now = registry.Now();
  std::vector<std::string> jobs;
  for (auto it = first; it != last; ++it) {
    jobs.push_back(JobJson(it->job->Snapshot(now),
                           query->history
                               ? std::optional(it->job->RateHistorySeries())
                               : std::nullopt));
  }
  const std::string next =
      last == matches.end() ? "" : SortKey(*(last - 1), query->active_first);
  return JsonOk(absl::StrCat(
      "{\"jobs\":[", absl::StrJoin(jobs, ","),
      "],\"nextPageToken\":", JsonString(next),
      ",\"totalSize\":", matches.size(), ",\"activeSize\":", active,
      ",\"serverTime\":", JsonString(JsonTime(now)), "}"));
}

HttpResponse GetJob(const JobRegistry& registry, absl::string_view name,
                    const std::map<std::string, std::string>& parameters) {
  if (absl::Status known = OnlyKnownParameters(parameters, {"history"});
      !known.ok()) {
    return JsonError(known);
  }
  absl::StatusOr<bool> history = ParseHistory(parameters);
  if (!history.ok()) return JsonError(history.status());
  absl::StatusOr<JobSnapshot> job = registry.Get(name);
  if (!job.ok()) return JsonError(job.status());
  std::optional<RateSeries> series;
  if (*history) {
    absl::StatusOr<RateSeries> found = registry.RateHistoryOf(name);
    // A job dropped since the snapshot still gets its field, empty.
    series = found.ok() ? *std::move(found) : RateSeries{};
  }
  return JsonOk(absl::StrCat("{\"job\":", JobJson(*job, series), "}"));
}

}  // namespace

HttpResponse ServeJobsApi(const JobRegistry& registry,
                          const HttpRequest& request) {
  absl::StatusOr<std::map<std::string, std::string>> parameters =
      ParseQueryString(request.query);
  if (!parameters.ok()) return JsonError(parameters.status());
  absl::string_view rest = request.path;
  if (!absl::ConsumePrefix(&rest, kJobsApiPath)) {
    return JsonError(absl::NotFoundError("no such API"));
  }
  if (rest.empty()) return ListJobs(registry, *parameters);
  // "/api/v1/jobs/NAME": what follows the slash is the name, checked whole
  // ("a/b" and "" are bad names, not other paths).
  rest.remove_prefix(1);
  return GetJob(registry, rest, *parameters);
}

}  // namespace progress
