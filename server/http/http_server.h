#ifndef PROGRESS_SERVER_HTTP_HTTP_SERVER_H_
#define PROGRESS_SERVER_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

class CivetHandler;
class CivetServer;

namespace progress {

// HTTPS for the HTTP listener: the daemon's own certificate and key (PEM
// files), and optionally the CA whose client certificates alone may connect.
struct HttpTls {
  std::string cert_file;  // Empty: plain HTTP.
  std::string key_file;
  std::string client_ca_file;  // Set: clients need a certificate from it.
};

struct HttpRequest {
  // The path, percent-decoded, without the query ("/api/v1/jobs/x").
  std::string path;
  // What follows '?', still encoded; empty without one.
  std::string query;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpRoute = std::function<HttpResponse(const HttpRequest&)>;

// The daemon's one HTTP server (civetweb): /metrics, the web page and its
// JSON API share its address, TLS and threads. Every response is sent with
// a Content-Length, the page's Content-Security-Policy and the other
// headers that keep a browser from doing more than we ask; bodies are
// gzipped for clients that accept it. GET and HEAD only.
//
// Serves until destroyed.
class HttpServer {
 public:
  // Listens on `address` (host:port; port 0 picks a free one), over HTTPS
  // when `tls` names a certificate. UNAVAILABLE if it cannot be bound;
  // FAILED_PRECONDITION if HTTPS cannot be served on this machine (see
  // civetweb_tls.h) or the files cannot be used.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& address, const HttpTls& tls = {});

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `uri` (exactly "/", or a path and everything under it:
  // "/api/v1/jobs" also takes "/api/v1/jobs/x") with `route`, which may run
  // on several threads at once. Anything no route takes is 404.
  void Route(const std::string& uri, HttpRoute route);

  int port() const { return port_; }
  // "https" or "http".
  const char* scheme() const { return https_ ? "https" : "http"; }

 private:
  HttpServer() = default;

  // Declared first so it is destroyed last, after the server that calls it.
  std::vector<std::unique_ptr<CivetHandler>> handlers_;
  std::unique_ptr<CivetServer> server_;
  int port_ = 0;
  bool https_ = false;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_HTTP_SERVER_H_
