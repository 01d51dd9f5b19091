#include "http/http_server.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "http/civetweb_tls.h"
#include "http/gzip.h"
#include "http/private_pem.h"
#include "http/query_string.h"

namespace progress {
namespace {

// The page runs only our own script and style, talks only to this server,
// loads nothing from elsewhere and cannot be framed; everything else
// (plugins, forms, inline code) is off. JSON and /metrics carry the same
// headers: they cost nothing there.
constexpr char kSecurityHeaders[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; "
    "style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cache-Control: no-store\r\n";

// Bodies smaller than this go out plain: gzip would save next to nothing.
constexpr size_t kGzipFrom = 1024;

void Send(mg_connection* conn, HttpResponse response, bool head) {
  const char* accept = mg_get_header(conn, "Accept-Encoding");
  bool gzipped = false;
  if (response.body.size() >= kGzipFrom && accept != nullptr &&
      AcceptsGzip(accept)) {
    if (std::optional<std::string> packed = Gzip(response.body)) {
      response.body = *std::move(packed);
      gzipped = true;
    }
  }
  const std::string header = absl::StrCat(
      "HTTP/1.1 ", response.status, " ",
      mg_get_response_code_text(conn, response.status), "\r\n",
      "Content-Type: ", response.content_type, "\r\n",
      "Content-Length: ", response.body.size(), "\r\n", kSecurityHeaders,
      gzipped ? "Content-Encoding: gzip\r\n" : "",
      "Vary: Accept-Encoding\r\nConnection: close\r\n",
      response.status == 405 ? "Allow: GET, HEAD\r\n" : "", "\r\n");
  mg_write(conn, header.data(), header.size());
  if (!head) mg_write(conn, response.body.data(), response.body.size());
}

// Adapts one route to civetweb: its URI, and only that (civetweb would also
// hand it "/metricsfoo" for "/metrics", and everything for "/").
class RouteHandler : public CivetHandler {
 public:
  RouteHandler(std::string uri, HttpRoute route)
      : uri_(std::move(uri)), route_(std::move(route)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    return Serve(conn, /*head=*/false);
  }
  bool handleHead(CivetServer*, mg_connection* conn) override {
    return Serve(conn, /*head=*/true);
  }
  bool handlePost(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handlePut(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handleDelete(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handleOptions(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handlePatch(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }

 private:
  bool Takes(const std::string& path) const {
    if (uri_ == "/") return path == "/";
    return path == uri_ || absl::StartsWith(path, uri_ + "/");
  }

  bool Serve(mg_connection* conn, bool head) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest request;
    request.query = info->query_string != nullptr ? info->query_string : "";
    // civetweb leaves the path encoded (decode_url=no): decoded into its C
    // string, "/api/v1/jobs/a%00b" would end at the NUL and name job "a".
    absl::StatusOr<std::string> path =
        PercentDecode(info->local_uri != nullptr ? info->local_uri : "", false);
    if (!path.ok() || path->find('\0') != std::string::npos) {
      Send(conn, {400, "text/plain; charset=utf-8", "bad path\n"}, head);
      return true;
    }
    request.path = *std::move(path);
    if (!Takes(request.path)) {
      Send(conn, {404, "text/plain; charset=utf-8", "not found\n"}, head);
      return true;
    }
    HttpResponse response;
    try {
      response = route_(request);
    } catch (const std::exception& error) {
      // A route that throws (out of memory) must not take civetweb down.
      response = {500, "text/plain; charset=utf-8",
                  absl::StrCat("internal error: ", error.what(), "\n")};
    }
    Send(conn, std::move(response), head);
    return true;
  }

  bool NotAllowed(mg_connection* conn) {
    Send(conn, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"},
         /*head=*/false);
    return true;
  }

  const std::string uri_;
  const HttpRoute route_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& address, const HttpTls& tls) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  // Scrapes and page polls are short; four threads, and a client that
  // stalls mid-request gives its thread back after 10 s.
  // civetweb's own answers (a malformed request, an unknown method) carry
  // our headers too; it leaves paths encoded, for Serve to decode.
  std::vector<std::string> options = {
      "listening_ports",
      address,
      "num_threads",
      "4",
      "request_timeout_ms",
      "10000",
      "decode_url",
      "no",
      "additional_header",
      std::string(absl::StripSuffix(kSecurityHeaders, "\r\n"))};
  // civetweb wants the key and the certificate in one file. It reads it
  // only while starting, so the copy of the key lives just that long.
  std::unique_ptr<PrivatePem> key_and_cert;
  if (!tls.cert_file.empty()) {
    if (absl::Status ready = PrepareCivetwebTls(); !ready.ok()) return ready;
    absl::StatusOr<std::unique_ptr<PrivatePem>> joined =
        PrivatePem::Join({tls.key_file, tls.cert_file});
    if (!joined.ok()) return joined.status();
    key_and_cert = *std::move(joined);
    options[1] = address + "s";  // The port serves HTTPS only.
    options.insert(options.end(), {"ssl_certificate", key_and_cert->path()});
    if (!tls.client_ca_file.empty()) {
      options.insert(options.end(), {"ssl_ca_file", tls.client_ca_file,
                                     "ssl_verify_peer", "yes"});
    }
    server->https_ = true;
  }
  try {
    // civetweb throws when it cannot bind or set up TLS.
    server->server_ = std::make_unique<CivetServer>(options);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", address, ": ", error.what()));
  }
  const std::vector<int> ports = server->server_->getListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", address));
  }
  server->port_ = ports.front();
  return server;
}

HttpServer::~HttpServer() {
  // Stops civetweb's threads before the handlers they call go.
  if (server_ != nullptr) server_->close();
}

void HttpServer::Route(const std::string& uri, HttpRoute route) {
  handlers_.push_back(std::make_unique<RouteHandler>(uri, std::move(route)));
  server_->addHandler(uri, handlers_.back().get());
}

}  // namespace progress
