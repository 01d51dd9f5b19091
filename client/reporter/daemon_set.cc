#include "daemon_set.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "daemon_channel.h"

namespace progress::reporter {
namespace {

// Find a restarted daemon within about a poll or two.
constexpr absl::Duration kMaxReconnectBackoff = absl::Seconds(1);

// "ip:port", with the brackets an IPv6 address needs in a target.
std::string TargetOf(const addrinfo& entry, const std::string& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (entry.ai_family == AF_INET6) {
    const auto* address = reinterpret_cast<const sockaddr_in6*>(entry.ai_addr);
    inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof text);
    return absl::StrCat("[", text, "]:", port);
  }
  const auto* address = reinterpret_cast<const sockaddr_in*>(entry.ai_addr);
  inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
  return absl::StrCat(text, ":", port);
}

}  // namespace

absl::StatusOr<HostPort> SplitHostPort(absl::string_view server) {
  // gRPC's own spelling of a DNS name; what follows is still host:port.
  absl::string_view rest = server;
  absl::ConsumePrefix(&rest, "dns:///");
  HostPort split;
  size_t colon = absl::string_view::npos;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close != absl::string_view::npos && close + 1 < rest.size() &&
        rest[close + 1] == ':') {
      split.host = std::string(rest.substr(0, close));
      colon = close + 1;
    }
  } else {
    colon = rest.rfind(':');
    if (colon != absl::string_view::npos) {
      split.host = std::string(rest.substr(0, colon));
    }
  }
  uint32_t port = 0;
  if (colon != absl::string_view::npos) {
    split.port = std::string(rest.substr(colon + 1));
  }
  if (split.host.empty() || absl::StrContains(split.host, '/') ||
      !absl::SimpleAtoi(split.port, &port) || port == 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", server, "' is not host:port (or [ipv6]:port) with a port"));
  }
  return split;
}

absl::StatusOr<std::vector<std::string>> ResolveEachAddress(
    const std::string& server) {
  absl::StatusOr<HostPort> split = SplitHostPort(server);
  if (!split.ok()) return split.status();
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int error =
      getaddrinfo(split->host.c_str(), split->port.c_str(), &hints, &found);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve '", split->host,
                                               "': ", gai_strerror(error)));
  }
  std::vector<std::string> targets;
  for (const addrinfo* entry = found; entry != nullptr;
       entry = entry->ai_next) {
    if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) {
      targets.push_back(TargetOf(*entry, split->port));
    }
  }
  freeaddrinfo(found);
  // DNS servers rotate their answers; a stable order keeps the daemons in
  // the same order from poll to poll.
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  if (targets.empty()) {
    return absl::UnavailableError(
        absl::StrCat("'", split->host, "' has no IPv4 or IPv6 address"));
  }
  return targets;
}

std::shared_ptr<grpc::Channel> DaemonChannelFor(
    const DaemonAddress& daemon, const internal::ChannelSecurity& security) {
  internal::ChannelSecurity for_daemon = security;
  if (for_daemon.tls && for_daemon.server_name.empty() &&
      daemon.target != daemon.server) {
    if (absl::StatusOr<HostPort> named = SplitHostPort(daemon.server);
        named.ok()) {
      for_daemon.server_name = named->host;
    }
  }
  return internal::DaemonChannel(daemon.target, kMaxReconnectBackoff,
                                 for_daemon);
}

DaemonSet::ChannelFactory DaemonSet::ChannelsWith(
    internal::ChannelSecurity security) {
  return [security = std::move(security)](const DaemonAddress& daemon) {
    return DaemonChannelFor(daemon, security);
  };
}

absl::Status DaemonSet::Validate(const std::vector<std::string>& servers,
                                 bool each_address) {
  if (servers.empty()) {
    return absl::InvalidArgumentError("no --server to ask");
  }
  if (!each_address) return absl::OkStatus();
  for (const std::string& server : servers) {
    if (absl::Status split = SplitHostPort(server).status(); !split.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--each_address resolves host names: ", split.message()));
    }
  }
  return absl::OkStatus();
}

DaemonSet::DaemonSet(std::vector<std::string> servers, bool each_address,
                     Resolver resolver, ChannelFactory channel_factory)
    : servers_(std::move(servers)),
      each_address_(each_address),
      resolver_(std::move(resolver)),
      channel_factory_(std::move(channel_factory)) {}

std::shared_ptr<grpc::Channel> DaemonSet::ChannelOf(
    const DaemonAddress& address) {
  std::shared_ptr<grpc::Channel>& channel = channels_[address.target];
  if (channel == nullptr) channel = channel_factory_(address);
  return channel;
}

DaemonSet::Resolution DaemonSet::Resolve() {
  Resolution resolution;
  absl::flat_hash_set<std::string> seen;
  auto add = [&](const std::string& server, const std::string& target) {
    if (!seen.insert(target).second) return;
    DaemonAddress address{server, target};
    std::shared_ptr<grpc::Channel> channel = ChannelOf(address);
    resolution.daemons.push_back({std::move(address), std::move(channel)});
  };
  for (const std::string& server : servers_) {
    if (!each_address_) {
      add(server, server);
      continue;
    }
    absl::StatusOr<std::vector<std::string>> targets = resolver_(server);
    if (!targets.ok()) {
      resolution.unresolved.push_back({server, targets.status()});
      continue;
    }
    for (const std::string& target : *targets) add(server, target);
  }
  // A daemon that stopped resolving (a pod that went, or one DNS hides
  // while it is not ready) still holds counts that belong in the sums:
  // leaving it out silently would shrink every total, and --until_done
  // could end on a short one. It stays missing, and the poll partial,
  // until it resolves again.
  absl::flat_hash_set<std::string> failed_servers;
  for (const Unresolved& name : resolution.unresolved) {
    failed_servers.insert(name.server);
  }
  for (const auto& [target, server] : ever_resolved_) {
    if (seen.contains(target) || failed_servers.contains(server)) continue;
    resolution.unresolved.push_back(
        {target, absl::UnavailableError(absl::StrCat(
                     "no longer among the addresses of ", server,
                     "; its counts are missing from the sums until it is"))});
  }
  for (const Daemon& daemon : resolution.daemons) {
    ever_resolved_.emplace(daemon.address.target, daemon.address.server);
  }
  // Daemons that left the set close their connections.
  absl::erase_if(channels_, [&seen](const auto& entry) {
    return !seen.contains(entry.first);
  });
  return resolution;
}

}  // namespace progress::reporter
