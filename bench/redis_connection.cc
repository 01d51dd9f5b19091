#include "redis_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace progress::bench {

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address '", address, "' is not host:port"));
  }
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) !=
      1) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis host in '", address, "' is not an IPv4 address"));
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  if (connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to redis at ", address, ": ", std::strerror(error)));
  }
  // As every Redis client does: a command must not wait for Nagle.
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RedisConnection>(new RedisConnection(fd));
}

RedisConnection::~RedisConnection() { close(fd_); }

void RedisConnection::Append(std::initializer_list<absl::string_view> args) {
  absl::StrAppend(&out_, "*", args.size(), "\r\n");
  for (absl::string_view arg : args) {
    absl::StrAppend(&out_, "$", arg.size(), "\r\n", arg, "\r\n");
  }
}

absl::Status RedisConnection::Send() {
  size_t sent = 0;
  while (sent < out_.size()) {
    const ssize_t n = write(fd_, out_.data() + sent, out_.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("redis connection lost");
    sent += static_cast<size_t>(n);
  }
  out_.clear();
  return absl::OkStatus();
}

absl::Status RedisConnection::Fill() {
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  char buffer[16384];
  ssize_t n;
  do {
    n = read(fd_, buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return absl::UnavailableError("redis connection lost");
  in_.append(buffer, static_cast<size_t>(n));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RedisConnection::ReadLine() {
  while (true) {
    const size_t end = in_.find("\r\n", in_pos_);
    if (end != std::string::npos) {
      std::string line = in_.substr(in_pos_, end - in_pos_);
      in_pos_ = end + 2;
      return line;
    }
    if (absl::Status filled = Fill(); !filled.ok()) return filled;
  }
}

absl::StatusOr<int64_t> RedisConnection::ReadInteger() {
  absl::StatusOr<std::string> line = ReadLine();
  if (!line.ok()) return line.status();
  if (line->empty()) return absl::DataLossError("empty redis reply");
  int64_t value = 0;
  const std::string rest = line->substr(1);
  switch ((*line)[0]) {
    case ':':
      if (absl::SimpleAtoi(rest, &value)) return value;
      break;
    case '$': {
      if (!absl::SimpleAtoi(rest, &value)) break;
      if (value < 0) return 0;  // nil: the key does not exist yet.
      absl::StatusOr<std::string> body = ReadLine();
      if (!body.ok()) return body.status();
      if (absl::SimpleAtoi(*body, &value)) return value;
      break;
    }
    case '-':
      return absl::FailedPreconditionError(absl::StrCat("redis: ", rest));
  }
  return absl::DataLossError(absl::StrCat("unexpected redis reply: ", *line));
}

absl::StatusOr<int64_t> RedisConnection::Call(
    std::initializer_list<absl::string_view> args) {
  Append(args);
  if (absl::Status sent = Send(); !sent.ok()) return sent;
  return ReadInteger();
}

}  // namespace progress::bench
