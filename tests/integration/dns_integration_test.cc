// The dns probe against a real resolver (dnsmasq on 127.0.0.53, TESTBED.md) and a dead address.
#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/dnsmasq.h"
#include "tests/testbed/probe_call.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;

Result<Facts> RunDns(const Params& params, milliseconds timeout = milliseconds(3000)) {
  return testing::CallProbe("dns", params, "/", timeout);
}

// Each test gets its own dnsmasq on 127.0.0.53 (tests needing root fail, not skip, without it).
class DnsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::IsRoot()) << "dnsmasq must bind port 53: run as root";
  }
  void StartDnsmasq() { ASSERT_TRUE(dnsmasq_.Start()) << dnsmasq_.error(); }

  testing::Dnsmasq dnsmasq_{
      "127.0.0.53", {{"master-1.cluster.test", "10.0.5.1"}, {"master-2.cluster.test", "10.0.5.2"}}};
};

TEST_F(DnsIntegrationTest, KnownNameIsAnswered) {
  ASSERT_NO_FATAL_FAILURE(StartDnsmasq());
  Result<Facts> facts =
      RunDns({{"name", "master-1.cluster.test"}, {"resolvers", {dnsmasq_.listen_address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& resolver = (*facts)["resolvers"][0];
  EXPECT_EQ(resolver["address"], "127.0.0.53:53");
  EXPECT_EQ(resolver["answered"], true) << resolver << "\n" << dnsmasq_.Log();
  EXPECT_EQ(resolver["rcode"], "NOERROR");
  EXPECT_EQ(resolver["addresses"], nlohmann::json({"10.0.5.1"}));
  EXPECT_EQ(resolver["error"], "");
  EXPECT_EQ((*facts)["resolved"], true);
  EXPECT_EQ((*facts)["addresses"], nlohmann::json({"10.0.5.1"}));
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json::array());
}

// Without --local, dnsmasq forwards what its hosts file cannot answer and, having no upstream,
// refuses it: an AAAA query for a name it only has an A record for comes back REFUSED. Once it is
// authoritative for the domain it answers NOERROR with no data.
TEST_F(DnsIntegrationTest, KnownNameWithoutAaaaIsNoErrorNoData) {
  testing::Dnsmasq dnsmasq("127.0.0.53", {{"master-2.cluster.test", "10.0.5.2"}},
                           {"--local=/cluster.test/"});
  ASSERT_TRUE(dnsmasq.Start()) << dnsmasq.error();
  Result<Facts> facts = RunDns(
      {{"name", "master-2.cluster.test"}, {"type", "AAAA"}, {"resolvers", {dnsmasq.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& resolver = (*facts)["resolvers"][0];
  EXPECT_EQ(resolver["answered"], true) << resolver;
  EXPECT_EQ(resolver["rcode"], "NOERROR") << resolver << "\n" << dnsmasq.Log();
  EXPECT_EQ(resolver["addresses"], nlohmann::json::array());
  EXPECT_EQ((*facts)["resolved"], false);
  EXPECT_EQ((*facts)["type"], "AAAA");
}

TEST_F(DnsIntegrationTest, AaaaWithoutUpstreamIsRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDnsmasq());
  Result<Facts> facts = RunDns(
      {{"name", "master-2.cluster.test"}, {"type", "AAAA"}, {"resolvers", {dnsmasq_.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& resolver = (*facts)["resolvers"][0];
  EXPECT_EQ(resolver["answered"], true) << resolver;
  EXPECT_EQ(resolver["rcode"], "REFUSED") << resolver << "\n" << dnsmasq_.Log();
}

TEST_F(DnsIntegrationTest, UnknownNameIsAnsweredNegatively) {
  ASSERT_NO_FATAL_FAILURE(StartDnsmasq());
  Result<Facts> facts =
      RunDns({{"name", "nobody.cluster.test"}, {"resolvers", {dnsmasq_.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& resolver = (*facts)["resolvers"][0];
  EXPECT_EQ(resolver["answered"], true) << resolver;
  // dnsmasq has no upstream (--no-resolv) and is not authoritative for cluster.test, so it
  // refuses names it does not know rather than claiming they do not exist.
  EXPECT_EQ(resolver["rcode"], "REFUSED") << resolver << "\n" << dnsmasq_.Log();
  EXPECT_EQ((*facts)["resolved"], false);
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json::array());
}

TEST_F(DnsIntegrationTest, DeadResolverIsUnansweredWithinTheTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartDnsmasq());
  const milliseconds timeout(2000);
  const auto start = SteadyClock::now();
  Result<Facts> facts = RunDns(
      {{"name", "master-1.cluster.test"}, {"resolvers", {"127.0.0.54:53", dnsmasq_.address()}}},
      timeout);
  const auto elapsed = SteadyClock::now() - start;
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_LT(elapsed, timeout + milliseconds(1000));
  const auto& dead = (*facts)["resolvers"][0];
  EXPECT_EQ(dead["address"], "127.0.0.54:53");
  EXPECT_EQ(dead["answered"], false) << dead;
  EXPECT_EQ(dead["rcode"], "");
  // Nothing listens on 127.0.0.54: the kernel answers with ICMP port unreachable at once.
  EXPECT_EQ(dead["error"], "connection refused");
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json({"127.0.0.54:53"}));
  EXPECT_EQ((*facts)["resolved"], true);  // the live one still answered
}

// An authoritative local domain turns unknown names into NXDOMAIN.
TEST_F(DnsIntegrationTest, LocalDomainUnknownNameIsNxdomain) {
  testing::Dnsmasq dnsmasq("127.0.0.53", {{"master-1.cluster.test", "10.0.5.1"}},
                           {"--local=/cluster.test/"});
  ASSERT_TRUE(dnsmasq.Start()) << dnsmasq.error();
  Result<Facts> facts =
      RunDns({{"name", "nobody.cluster.test"}, {"resolvers", {dnsmasq.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& resolver = (*facts)["resolvers"][0];
  EXPECT_EQ(resolver["answered"], true) << resolver;
  EXPECT_EQ(resolver["rcode"], "NXDOMAIN") << resolver << "\n" << dnsmasq.Log();
}

}  // namespace
}  // namespace flightcheck
