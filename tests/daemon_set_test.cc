// Which daemons the reporter asks: --server entries, and with
// --each_address every address a name resolves to, again at every poll.
#include "daemon_set.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace progress::reporter {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Channels that never connect: these tests only look at the set.
std::shared_ptr<grpc::Channel> LazyChannel(const DaemonAddress& daemon) {
  return grpc::CreateChannel(daemon.target, grpc::InsecureChannelCredentials());
}

// A resolver answering from a table the test changes, as DNS would.
class FakeDns {
 public:
  Resolver resolver() {
    return [this](const std::string& server)
               -> absl::StatusOr<std::vector<std::string>> {
      ++lookups_;
      auto it = table_.find(server);
      if (it == table_.end()) {
        return absl::UnavailableError(absl::StrCat("cannot resolve ", server));
      }
      return it->second;
    };
  }
  std::map<std::string, std::vector<std::string>> table_;
  int lookups_ = 0;
};

std::vector<std::string> Targets(const DaemonSet::Resolution& resolution) {
  std::vector<std::string> targets;
  for (const auto& daemon : resolution.daemons) {
    targets.push_back(daemon.address.target);
  }
  return targets;
}

TEST(SplitHostPortTest, AcceptsHostPortBracketedIpv6AndDnsPrefix) {
  auto plain = SplitHostPort("progressd.ray.svc:50051");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "progressd.ray.svc");
  EXPECT_EQ(plain->port, "50051");
  auto v6 = SplitHostPort("[::1]:7");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "7");
  auto dns = SplitHostPort("dns:///nodes:1");
  ASSERT_TRUE(dns.ok());
  EXPECT_EQ(dns->host, "nodes");
}

TEST(SplitHostPortTest, RejectsWhatHasNoAddressesToEnumerate) {
  for (const char* bad :
       {"unix:/run/progressd.sock", "nodes", "nodes:", "nodes:0", "nodes:http",
        ":50051", "[::1]", "nodes:70000"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(SplitHostPort(bad).status())) << bad;
  }
}

TEST(DaemonSetTest, WithoutEachAddressEveryEntryIsOneDaemon) {
  FakeDns dns;
  DaemonSet set({"localhost:1", "unix:/tmp/s", "localhost:1"}, false,
                dns.resolver(), LazyChannel);
  const DaemonSet::Resolution resolution = set.Resolve();
  EXPECT_THAT(Targets(resolution), ElementsAre("localhost:1", "unix:/tmp/s"));
  EXPECT_EQ(dns.lookups_, 0) << "a name is one daemon: never resolved";
}

TEST(DaemonSetTest, SeveralWhenMoreThanOneEntryOrEachAddress) {
  EXPECT_FALSE(DaemonSet({"a:1"}, false).several());
  EXPECT_TRUE(DaemonSet({"a:1", "b:1"}, false).several());
  EXPECT_TRUE(DaemonSet({"a:1"}, true).several());
}

TEST(DaemonSetTest, EachAddressAsksEveryAddressAndResolvesAtEveryCall) {
  FakeDns dns;
  dns.table_["nodes:50051"] = {"10.0.0.1:50051", "10.0.0.2:50051"};
  DaemonSet set({"nodes:50051"}, true, dns.resolver(), LazyChannel);
  DaemonSet::Resolution first = set.Resolve();
  EXPECT_THAT(Targets(first), ElementsAre("10.0.0.1:50051", "10.0.0.2:50051"));
  EXPECT_EQ(first.daemons[0].address.server, "nodes:50051");

  // A pod goes, another comes.
  dns.table_["nodes:50051"] = {"10.0.0.2:50051", "10.0.0.3:50051"};
  DaemonSet::Resolution second = set.Resolve();
  EXPECT_EQ(dns.lookups_, 2);
  EXPECT_THAT(Targets(second), ElementsAre("10.0.0.2:50051", "10.0.0.3:50051"));
  // The daemon that stayed keeps its channel, and so its connection.
  EXPECT_EQ(second.daemons[0].channel, first.daemons[1].channel);
}

TEST(DaemonSetTest, ADaemonThatStopsResolvingStaysMissingUntilItIsBack) {
  // Its counts are still part of every total: dropping it from the set
  // silently would shrink the sums (and let --until_done end on them).
  FakeDns dns;
  dns.table_["nodes:50051"] = {"10.0.0.1:50051", "10.0.0.2:50051"};
  DaemonSet set({"nodes:50051"}, true, dns.resolver(), LazyChannel);
  set.Resolve();

  dns.table_["nodes:50051"] = {"10.0.0.2:50051"};
  for (int poll = 0; poll < 2; ++poll) {
    const DaemonSet::Resolution hidden = set.Resolve();
    EXPECT_THAT(Targets(hidden), ElementsAre("10.0.0.2:50051"));
    ASSERT_EQ(hidden.unresolved.size(), 1u);
    EXPECT_EQ(hidden.unresolved[0].server, "10.0.0.1:50051");
    EXPECT_TRUE(absl::IsUnavailable(hidden.unresolved[0].status));
    EXPECT_THAT(std::string(hidden.unresolved[0].status.message()),
                ::testing::HasSubstr("no longer among the addresses of "
                                     "nodes:50051"));
  }

  dns.table_["nodes:50051"] = {"10.0.0.1:50051", "10.0.0.2:50051"};
  const DaemonSet::Resolution back = set.Resolve();
  EXPECT_THAT(Targets(back), ElementsAre("10.0.0.1:50051", "10.0.0.2:50051"));
  EXPECT_THAT(back.unresolved, IsEmpty());
}

TEST(DaemonSetTest, AnAddressTwoNamesShareIsOneDaemon) {
  FakeDns dns;
  dns.table_["a:1"] = {"10.0.0.1:1", "10.0.0.2:1"};
  dns.table_["b:1"] = {"10.0.0.2:1"};
  DaemonSet set({"a:1", "b:1"}, true, dns.resolver(), LazyChannel);
  EXPECT_THAT(Targets(set.Resolve()), ElementsAre("10.0.0.1:1", "10.0.0.2:1"));
}

TEST(DaemonSetTest, ANameThatResolvesToNothingIsReportedNotDropped) {
  FakeDns dns;
  dns.table_["a:1"] = {"10.0.0.1:1"};
  DaemonSet set({"a:1", "gone:1"}, true, dns.resolver(), LazyChannel);
  const DaemonSet::Resolution resolution = set.Resolve();
  EXPECT_THAT(Targets(resolution), ElementsAre("10.0.0.1:1"));
  ASSERT_EQ(resolution.unresolved.size(), 1u);
  EXPECT_EQ(resolution.unresolved[0].server, "gone:1");
  EXPECT_TRUE(absl::IsUnavailable(resolution.unresolved[0].status));
}

TEST(DaemonSetTest, ValidateWantsHostPortOnlyWithEachAddress) {
  EXPECT_TRUE(DaemonSet::Validate({"unix:/s"}, false).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(DaemonSet::Validate({"unix:/s"}, true)));
  EXPECT_TRUE(absl::IsInvalidArgument(DaemonSet::Validate({}, false)));
  EXPECT_TRUE(DaemonSet::Validate({"nodes:1", "[::1]:2"}, true).ok());
}

TEST(ResolveEachAddressTest, ANumericAddressIsItself) {
  auto targets = ResolveEachAddress("127.0.0.1:4000");
  ASSERT_TRUE(targets.ok()) << targets.status();
  EXPECT_THAT(*targets, ElementsAre("127.0.0.1:4000"));
  auto v6 = ResolveEachAddress("[::1]:4000");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_THAT(*v6, ElementsAre("[::1]:4000"));
}

TEST(ResolveEachAddressTest, LocalhostGivesEveryLoopbackAddressItHas) {
  // /etc/hosts decides whether ::1 is among them; 127.0.0.1 always is.
  auto targets = ResolveEachAddress("localhost:4000");
  ASSERT_TRUE(targets.ok()) << targets.status();
  EXPECT_THAT(*targets, Contains("127.0.0.1:4000"));
  for (const std::string& target : *targets) {
    EXPECT_TRUE(target == "127.0.0.1:4000" || target == "[::1]:4000") << target;
  }
}

}  // namespace
}  // namespace progress::reporter
