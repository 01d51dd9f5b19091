// Which listen addresses count as reachable from this host only: those get
// no "without TLS" warning.
#include "rpc/server_tls.h"

#include <gtest/gtest.h>

namespace progress {
namespace {

TEST(ServerTlsTest, LoopbackAddressesAreLocal) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:50051", "[::1]:50051",
        "unix:/run/progressd.sock", "unix-abstract:progressd"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
}

TEST(ServerTlsTest, WildcardAndRoutableAddressesAreNotLocal) {
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:50051", "[2001:db8::1]:1",
        "progressd.example:50051", "127.example:50051", ":50051"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

}  // namespace
}  // namespace progress
