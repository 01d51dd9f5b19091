// The web page's server side: the JSON API against GetCounts, its errors,
// the page's files and the headers every response carries, on a real HTTP
// server over a real daemon's registry.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "http/http_server.h"
#include "http_get.h"
#include "test_server.h"
#include "web/web_routes.h"

namespace progress {
namespace {

using ::progress::testing::Counts;
using ::progress::testing::HttpFetch;
using ::progress::testing::HttpReply;
using ::progress::testing::Message;
using ::progress::testing::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class WebApiTest : public ::testing::Test {
 protected:
  WebApiTest() {
    auto http = HttpServer::Start("127.0.0.1:0");
    EXPECT_TRUE(http.ok()) << http.status();
    if (!http.ok()) return;
    http_ = *std::move(http);
    AddWebRoutes(*http_, &server_.registry());
  }

  static RegistryOptions ClockedBy(const std::atomic<int64_t>* now_ns) {
    RegistryOptions options;
    options.clock = [now_ns] { return absl::FromUnixNanos(now_ns->load()); };
    return options;
  }

  void AdvanceClock(absl::Duration by) {
    now_ns_ += absl::ToInt64Nanoseconds(by);
  }

  HttpReply Fetch(const std::string& path, const std::string& method = "GET",
                  const std::string& headers = "") {
    std::optional<HttpReply> reply =
        HttpFetch(http_->port(), path, method, headers);
    EXPECT_TRUE(reply.has_value()) << path;
    return reply.value_or(HttpReply{});
  }

  // The three jobs of the browser test: one with a total and failures, one
  // without a total, one finished.
  void DriveThreeJobs() {
    auto stub = server_.NewStub();
    grpc::ClientContext start_context;
    v1::StartJobRequest start;
    start.set_job("etl.daily");
    start.set_expected_total(1000);
    v1::StartJobResponse started;
    ASSERT_TRUE(stub->StartJob(&start_context, start, &started).ok());
    ASSERT_TRUE(
        testing::SendAll(*stub, {Message("w1", Counts("etl.daily", 640, 12)),
                                 Message("w1", Counts("embed", 12345, 0)),
                                 Message("w1", Counts("backfill", 250, 0))})
            .ok());
    grpc::ClientContext finish_context;
    v1::FinishJobRequest finish;
    finish.set_job("backfill");
    v1::FinishJobResponse finished;
    ASSERT_TRUE(stub->FinishJob(&finish_context, finish, &finished).ok());
    AdvanceClock(absl::Seconds(10));
  }

  // `json` parsed as `message`; fields the API adds beyond the proto
  // (totalSize, rateHistory) are ignored.
  template <typename Proto>
  Proto Parse(const std::string& json) {
    Proto message;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(json, &message, options)
            .ok())
        << json;
    return message;
  }

  static void ExpectSameJob(const v1::Job& api, const v1::Job& grpc) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(api, grpc))
        << "API:  " << api.ShortDebugString()
        << "\ngRPC: " << grpc.ShortDebugString();
    // Rates are there, not just zeros on both sides (a job finished at the
    // instant of its first update has none).
    if (!grpc.done()) {
      EXPECT_GT(api.average_rate(), 0);
    }
  }

  // The registry's clock, moved by hand so that a job's rates are the same
  // in the two reads a test compares.
  std::atomic<int64_t> now_ns_{absl::ToUnixNanos(absl::Now())};
  TestServer server_{ClockedBy(&now_ns_)};
  std::unique_ptr<HttpServer> http_;
};

TEST_F(WebApiTest, EachJobIsWhatGetCountsSays) {
  DriveThreeJobs();
  auto stub = server_.NewStub();
  for (const std::string name : {"etl.daily", "embed", "backfill"}) {
    const HttpReply reply = Fetch("/api/v1/jobs/" + name);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.Header("Content-Type"), "application/json");
    const absl::StatusOr<v1::Job> grpc = testing::GetCounts(*stub, name);
    ASSERT_TRUE(grpc.ok()) << grpc.status();
    ExpectSameJob(Parse<v1::GetCountsResponse>(reply.body).job(), *grpc);
  }
}

TEST_F(WebApiTest, UsesTheProtosJsonNamesAndPrintsZeros) {
  DriveThreeJobs();
  const std::string etl = Fetch("/api/v1/jobs/etl.daily").body;
  EXPECT_THAT(etl, StartsWith("{\"job\":{\"name\":\"etl.daily\""));
  for (const char* field :
       {"\"success\":\"640\"", "\"failure\":\"12\"",
        "\"expectedTotal\":\"1000\"", "\"clients\":1", "\"done\":false",
        "\"createdTime\":\"", "\"firstUpdateTime\":\"", "\"lastUpdateTime\":\"",
        "\"averageRate\":", "\"recentRate\":"}) {
    EXPECT_THAT(etl, HasSubstr(field));
  }
  EXPECT_THAT(etl, Not(HasSubstr("finishTime")));
  const std::string embed = Fetch("/api/v1/jobs/embed").body;
  EXPECT_THAT(embed, HasSubstr("\"failure\":\"0\""));
  EXPECT_THAT(embed, HasSubstr("\"expectedTotal\":\"0\""));
  const std::string backfill = Fetch("/api/v1/jobs/backfill").body;
  EXPECT_THAT(backfill, HasSubstr("\"done\":true"));
  EXPECT_THAT(backfill, HasSubstr("\"finishTime\":\""));
}

TEST_F(WebApiTest, TheListIsWhatGetCountsSaysInNameOrder) {
  DriveThreeJobs();
  const HttpReply reply = Fetch("/api/v1/jobs");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("\"totalSize\":3"));
  EXPECT_THAT(reply.body, HasSubstr("\"activeSize\":2"));
  EXPECT_THAT(reply.body, HasSubstr("\"nextPageToken\":\"\""));
  EXPECT_THAT(reply.body, HasSubstr("\"serverTime\":\""));
  const v1::ListJobsResponse list = Parse<v1::ListJobsResponse>(reply.body);
  ASSERT_EQ(list.jobs_size(), 3);
  auto stub = server_.NewStub();
  const char* const names[] = {"backfill", "embed", "etl.daily"};
  for (int i = 0; i < 3; ++i) {
    const absl::StatusOr<v1::Job> grpc = testing::GetCounts(*stub, names[i]);
    ASSERT_TRUE(grpc.ok()) << grpc.status();
    ExpectSameJob(list.jobs(i), *grpc);
  }
}

TEST_F(WebApiTest, ActiveOrderPutsRunningJobsFirst) {
  DriveThreeJobs();
  const v1::ListJobsResponse list =
      Parse<v1::ListJobsResponse>(Fetch("/api/v1/jobs?order=active").body);
  ASSERT_EQ(list.jobs_size(), 3);
  EXPECT_EQ(list.jobs(0).name(), "embed");
  EXPECT_EQ(list.jobs(1).name(), "etl.daily");
  EXPECT_EQ(list.jobs(2).name(), "backfill");
}

TEST_F(WebApiTest, PagesAndFiltersEveryJobOnce) {
  ASSERT_TRUE(
      testing::SendAll(*server_.NewStub(),
                       {Message("w", {Counts("a.1", 1, 0), Counts("b.2", 2, 0),
                                      Counts("a.3", 3, 0), Counts("a.4", 4, 0),
                                      Counts("c.5", 5, 0)})})
          .ok());
  server_.registry().Finish("a.3").IgnoreError();
  for (const std::string order : {"name", "active"}) {
    std::vector<std::string> seen;
    std::string token;
    do {
      const HttpReply reply =
          Fetch(absl::StrCat("/api/v1/jobs?filter=a.&page_size=2&order=", order,
                             "&page_token=", token));
      ASSERT_EQ(reply.status, 200) << reply.body;
      EXPECT_THAT(reply.body, HasSubstr("\"totalSize\":3"));
      EXPECT_THAT(reply.body, HasSubstr("\"activeSize\":2"));
      const v1::ListJobsResponse page = Parse<v1::ListJobsResponse>(reply.body);
      ASSERT_LE(page.jobs_size(), 2);
      for (const v1::Job& job : page.jobs()) seen.push_back(job.name());
      token = page.next_page_token();
    } while (!token.empty() && seen.size() < 10);
    const std::vector<std::string> expected =
        order == "name" ? std::vector<std::string>{"a.1", "a.3", "a.4"}
                        : std::vector<std::string>{"a.1", "a.4", "a.3"};
    EXPECT_EQ(seen, expected) << order;
  }
}

TEST_F(WebApiTest, HistoryComesOnlyWhenAsked) {
  DriveThreeJobs();
  EXPECT_THAT(Fetch("/api/v1/jobs/embed").body, Not(HasSubstr("rateHistory")));
  const std::string with = Fetch("/api/v1/jobs/embed?history=1").body;
  EXPECT_THAT(with, HasSubstr("\"rateHistory\":{\"stepSeconds\":2,"));
  EXPECT_THAT(with, HasSubstr("\"recordsPerSecond\":["));
  EXPECT_THAT(Fetch("/api/v1/jobs?history=1").body,
              HasSubstr("\"rateHistory\":{\"stepSeconds\":2,"));
}

TEST_F(WebApiTest, AnUnknownJobIs404) {
  const HttpReply reply = Fetch("/api/v1/jobs/no.such.job");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  EXPECT_THAT(reply.body, HasSubstr("\"status\":\"NOT_FOUND\""));
  EXPECT_THAT(reply.body, HasSubstr("no.such.job"));
}

TEST_F(WebApiTest, ANameOutsideTheCharsetIs400) {
  for (const std::string& path : std::vector<std::string>{
           "/api/v1/jobs/a%20b", "/api/v1/jobs/a/b", "/api/v1/jobs/",
           "/api/v1/jobs/%3Cscript%3E", "/api/v1/jobs/caf%C3%A9",
           "/api/v1/jobs/a%2Fb", "/api/v1/jobs/a+b",
           "/api/v1/jobs/" + std::string(200, 'x')}) {
    const HttpReply reply = Fetch(path);
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_THAT(reply.body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""))
        << path;
    // Quoted back escaped: never as markup, and always valid JSON.
    EXPECT_THAT(reply.body, Not(HasSubstr("<script>")));
    EXPECT_TRUE(
        Parse<google::protobuf::Struct>(reply.body).fields().contains("error"))
        << reply.body;
  }
}

TEST_F(WebApiTest, ANulInThePathIsRefusedNotCutShort) {
  DriveThreeJobs();
  // Decoded into a C string, "embed%00x" would end at the NUL: job "embed".
  for (const std::string path :
       {"/api/v1/jobs/embed%00x", "/metrics%00.png", "/%00", "/ui/%zz"}) {
    const HttpReply reply = Fetch(path);
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_THAT(reply.body, Not(HasSubstr("embed"))) << path;
    EXPECT_THAT(reply.Header("Content-Security-Policy"),
                HasSubstr("default-src 'none'"));
  }
  // An escaped character of the charset is still that character.
  EXPECT_EQ(Fetch("/api/v1/jobs/%65mbed").status, 200);
}

TEST_F(WebApiTest, CivetwebsOwnAnswersCarryThePolicyToo) {
  // A method civetweb refuses before any handler sees it.
  const HttpReply reply = Fetch("/", "FOO");
  EXPECT_GE(reply.status, 400);
  EXPECT_THAT(reply.Header("Content-Security-Policy"),
              HasSubstr("default-src 'none'"));
  EXPECT_EQ(reply.Header("X-Content-Type-Options"), "nosniff");
}

TEST_F(WebApiTest, BadParametersAre400) {
  for (const std::string query :
       {"page_size=ten", "page_size=-1", "order=newest", "filter=a%20b",
        "history=yes", "pagesize=10", "filter=a&filter=b", "filter=%zz",
        "page_token=%3Cx%3E", "order=active&page_token=etl"}) {
    const HttpReply reply = Fetch("/api/v1/jobs?" + query);
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
    EXPECT_THAT(reply.body, HasSubstr("INVALID_ARGUMENT")) << query;
  }
  EXPECT_EQ(Fetch("/api/v1/jobs/x?order=active").status, 400);
}

TEST_F(WebApiTest, TheUnknownIs404AndOnlyReadsAreAllowed) {
  EXPECT_EQ(Fetch("/nothing.here").status, 404);
  EXPECT_EQ(Fetch("/ui/nothing.js").status, 404);
  EXPECT_EQ(Fetch("/api/v1/jobsx").status, 404);
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
    const HttpReply reply = Fetch("/api/v1/jobs", method);
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_EQ(reply.Header("Allow"), "GET, HEAD");
  }
  const HttpReply head = Fetch("/", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_NE(head.Header("Content-Length"), "0");
}

TEST_F(WebApiTest, ThePageAndItsFilesCarryARestrictivePolicy) {
  const HttpReply page = Fetch("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  // Relative, so the page also works under a proxy's path.
  EXPECT_THAT(page.body, HasSubstr("src=\"ui/app.js\""));
  EXPECT_THAT(page.body, HasSubstr("href=\"ui/app.css\""));
  EXPECT_EQ(Fetch("/ui/app.js").Header("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(Fetch("/ui/app.css").Header("Content-Type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(Fetch("/ui/icon.svg").Header("Content-Type"), "image/svg+xml");
  for (const std::string path :
       {"/", "/ui/app.js", "/api/v1/jobs", "/api/v1/jobs/none", "/nothing"}) {
    const HttpReply reply = Fetch(path);
    const std::string policy = reply.Header("Content-Security-Policy");
    EXPECT_THAT(policy, HasSubstr("default-src 'none'")) << path;
    EXPECT_THAT(policy, HasSubstr("script-src 'self'")) << path;
    EXPECT_THAT(policy, HasSubstr("connect-src 'self'")) << path;
    EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'")) << path;
    EXPECT_THAT(policy, Not(HasSubstr("unsafe"))) << path;
    EXPECT_EQ(reply.Header("X-Content-Type-Options"), "nosniff") << path;
  }
}

// Inflates a gzip body; nullopt if it is not one.
std::optional<std::string> Gunzip(const std::string& data) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return std::nullopt;
  std::string out(data.size() * 50 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  return out;
}

TEST_F(WebApiTest, GzipsForClientsThatAskForIt) {
  const HttpReply plain = Fetch("/ui/app.js");
  ASSERT_GT(plain.body.size(), 1024u);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  const HttpReply packed =
      Fetch("/ui/app.js", "GET", "Accept-Encoding: gzip, deflate\r\n");
  EXPECT_EQ(packed.Header("Content-Encoding"), "gzip");
  EXPECT_LT(packed.body.size(), plain.body.size());
  EXPECT_EQ(Gunzip(packed.body), plain.body);
  for (const char* refusal : {"gzip;q=0", "gzip; Q=0.0", "br"}) {
    EXPECT_EQ(Fetch("/ui/app.js", "GET",
                    absl::StrCat("Accept-Encoding: ", refusal, "\r\n"))
                  .Header("Content-Encoding"),
              "")
        << refusal;
  }
}

}  // namespace
}  // namespace progress
