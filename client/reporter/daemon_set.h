#ifndef PROGRESS_CLIENT_REPORTER_DAEMON_SET_H_
#define PROGRESS_CLIENT_REPORTER_DAEMON_SET_H_

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "channel_security.h"

namespace progress::reporter {

// One daemon to ask.
struct DaemonAddress {
  // The --server entry it comes from (a name for TLS to verify, say).
  std::string server;
  // What the channel connects to, and the daemon's name in every message:
  // the --server entry itself, or with --each_address one address it
  // resolved to ("10.0.0.7:50051", "[fd00::7]:50051").
  std::string target;
};

// The host and port of "host:port" or "[ipv6]:port"; INVALID_ARGUMENT for
// anything else (a gRPC target URI such as "unix:/path" has no addresses to
// enumerate).
struct HostPort {
  std::string host;
  std::string port;
};
absl::StatusOr<HostPort> SplitHostPort(absl::string_view server);

// Turns a host:port into the numeric "ip:port" targets it stands for now,
// sorted and without duplicates; UNAVAILABLE naming the server when it
// stands for none.
using Resolver = std::function<absl::StatusOr<std::vector<std::string>>(
    const std::string& server)>;

// Every address getaddrinfo() gives for `server`, IPv4 and IPv6 alike.
absl::StatusOr<std::vector<std::string>> ResolveEachAddress(
    const std::string& server);

// The channel every call to `daemon` goes through: the one place where the
// reporter's channels are made, whatever the call (polls and --check). With
// TLS, a daemon reached at an address --each_address resolved must still
// show a certificate for the --server name it came from.
std::shared_ptr<grpc::Channel> DaemonChannelFor(
    const DaemonAddress& daemon, const internal::ChannelSecurity& security);

// The daemons named by the --server list: each entry is one daemon, or with
// each_address, every address it resolves to is one (a headless Service's
// name stands for one address per pod). Not thread-safe.
class DaemonSet {
 public:
  using ChannelFactory =
      std::function<std::shared_ptr<grpc::Channel>(const DaemonAddress&)>;

  struct Daemon {
    DaemonAddress address;
    std::shared_ptr<grpc::Channel> channel;
  };
  // A --server entry that stood for no address at this resolution.
  struct Unresolved {
    std::string server;
    absl::Status status;
  };
  struct Resolution {
    std::vector<Daemon> daemons;
    std::vector<Unresolved> unresolved;
  };

  // INVALID_ARGUMENT when `servers` is empty, or with each_address an entry
  // is not host:port.
  static absl::Status Validate(const std::vector<std::string>& servers,
                               bool each_address);

  // Channels made by DaemonChannelFor with `security`.
  static ChannelFactory ChannelsWith(internal::ChannelSecurity security);

  DaemonSet(std::vector<std::string> servers, bool each_address,
            Resolver resolver = ResolveEachAddress,
            ChannelFactory channel_factory = ChannelsWith({}));

  // The daemons to ask now. With each_address every entry is resolved again
  // each call, since pods come and go. A daemon that stays keeps its
  // channel (and connection) from call to call. One that no longer
  // resolves is listed as unresolved under its own address, since its
  // counts are missing from the sums. The same target twice is one daemon.
  Resolution Resolve();

  const std::vector<std::string>& servers() const { return servers_; }
  // Whether there can be more than one daemon: messages then name each.
  bool several() const { return servers_.size() > 1 || each_address_; }

 private:
  std::shared_ptr<grpc::Channel> ChannelOf(const DaemonAddress& address);

  const std::vector<std::string> servers_;
  const bool each_address_;
  const Resolver resolver_;
  const ChannelFactory channel_factory_;
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  // Every target a name has resolved to, and that name (each_address).
  absl::flat_hash_map<std::string, std::string> ever_resolved_;
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_DAEMON_SET_H_
