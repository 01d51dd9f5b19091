#ifndef PROGRESS_TESTS_HTTP_GET_H_
#define PROGRESS_TESTS_HTTP_GET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace progress::testing {

struct HttpReply {
  int status = 0;
  // The header lines as sent, each ending in "\r\n".
  std::string headers;
  std::string body;

  // The value of header `name` (matched case-insensitively), or "".
  std::string Header(const std::string& name) const {
    const std::string lower = absl::AsciiStrToLower(headers);
    const size_t at = lower.find("\r\n" + absl::AsciiStrToLower(name) + ":");
    if (at == std::string::npos) return "";
    const size_t start = at + name.size() + 3;
    const size_t end = headers.find("\r\n", start);
    return std::string(absl::StripAsciiWhitespace(
        headers.substr(start, end == std::string::npos ? end : end - start)));
  }
};

// `method` `path` to 127.0.0.1:`port` over HTTP/1.0 (so the server closes
// the connection after the response), with `extra_headers` ("Name: value\r\n"
// lines); nullopt when no HTTP response came.
inline std::optional<HttpReply> HttpFetch(
    int port, const std::string& path, const std::string& method = "GET",
    const std::string& extra_headers = "") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return std::nullopt;
  }
  const std::string request =
      absl::StrCat(method, " ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n",
                   extra_headers, "\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) response.append(buffer, n);
  close(fd);
  const size_t status_end = response.find("\r\n");
  const size_t body = response.find("\r\n\r\n");
  HttpReply reply;
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos ||
      response.size() < 12 ||
      !absl::SimpleAtoi(response.substr(9, 3), &reply.status)) {
    return std::nullopt;
  }
  reply.headers = response.substr(status_end, body + 2 - status_end);
  reply.body = response.substr(body + 4);
  return reply;
}

// The body of GET http://127.0.0.1:`port``path`, or nullopt on any failure
// or a status other than 200.
inline std::optional<std::string> HttpGet(int port, const std::string& path) {
  std::optional<HttpReply> reply = HttpFetch(port, path);
  if (!reply.has_value() || reply->status != 200) return std::nullopt;
  return reply->body;
}

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_HTTP_GET_H_
