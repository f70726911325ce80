#include "checks/dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;

TEST(DnsParseTest, ResolvConf) {
  struct Case {
    std::string_view text;
    std::vector<std::string> servers;
  };
  const Case cases[] = {
      {"nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.com\n", {"127.0.0.53"}},
      {"# nameserver 1.1.1.1\n; nameserver 8.8.8.8\n  nameserver 10.0.0.2  # office\n"
       "nameserver\tfd00::53\nnameserver\n",
       {"10.0.0.2", "fd00::53"}},
      {"domain example.com\n", {}},
      {"", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseResolvConf(c.text), c.servers) << c.text;
}

TEST(DnsParseTest, RcodeNames) {
  EXPECT_EQ(DnsRcodeName(0), "NOERROR");
  EXPECT_EQ(DnsRcodeName(2), "SERVFAIL");
  EXPECT_EQ(DnsRcodeName(3), "NXDOMAIN");
  EXPECT_EQ(DnsRcodeName(5), "REFUSED");
  EXPECT_EQ(DnsRcodeName(15), "RCODE15");
}

// A real UDP DNS responder on 127.0.0.1 with canned behaviour per name:
//   known.test → A 10.1.2.3 / AAAA fd00::1, nodata.test → NOERROR without answers,
//   fail.test → SERVFAIL, refused.test → REFUSED, silent.test → no reply, others → NXDOMAIN.
class FakeDnsServer {
 public:
  FakeDnsServer() {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDnsServer() {
    stop_ = true;
    thread_.join();
  }
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(socket_.port()); }

 private:
  void Serve() {
    const int fd = socket_.fd();
    while (!stop_) {
      pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      unsigned char query[512];
      sockaddr_storage peer{};
      socklen_t peer_length = sizeof peer;
      const ssize_t n =
          ::recvfrom(fd, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
      if (n < 12) continue;
      // Question: labels from offset 12, then qtype and qclass.
      std::string name;
      size_t at = 12;
      while (at < static_cast<size_t>(n) && query[at] != 0) {
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(&query[at + 1]), query[at]);
        at += query[at] + 1;
      }
      const size_t question_end = at + 5;
      if (question_end > static_cast<size_t>(n)) continue;
      const int qtype = (query[at + 1] << 8) | query[at + 2];
      if (name == "silent.test") continue;

      int rcode = 3;
      std::vector<unsigned char> rdata;
      if (name == "known.test") {
        rcode = 0;
        if (qtype == 1) rdata = {10, 1, 2, 3};
        if (qtype == 28) rdata = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
      } else if (name == "nodata.test") {
        rcode = 0;
      } else if (name == "fail.test") {
        rcode = 2;
      } else if (name == "refused.test") {
        rcode = 5;
      }
      std::vector<unsigned char> reply(query, query + question_end);
      reply[2] = 0x81;                                      // QR, RD
      reply[3] = static_cast<unsigned char>(0x80 | rcode);  // RA, RCODE
      reply[6] = 0;
      reply[7] = rdata.empty() ? 0 : 1;  // ANCOUNT
      reply[8] = reply[9] = reply[10] = reply[11] = 0;
      if (!rdata.empty()) {
        const unsigned char answer[] = {0xc0,
                                        12,  // name: pointer to the question
                                        static_cast<unsigned char>(qtype >> 8),
                                        static_cast<unsigned char>(qtype),
                                        0,
                                        1,  // class IN
                                        0,
                                        0,
                                        0,
                                        60,  // TTL
                                        0,
                                        static_cast<unsigned char>(rdata.size())};
        reply.insert(reply.end(), std::begin(answer), std::end(answer));
        reply.insert(reply.end(), rdata.begin(), rdata.end());
      }
      ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
    }
  }

  testing::LoopbackSocket socket_{"127.0.0.1", /*listen=*/false, /*backlog=*/0, SOCK_DGRAM};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A UDP port on 127.0.0.1 with nothing bound to it: the kernel answers with ICMP unreachable.
std::string DeadResolver() {
  return "127.0.0.1:" + std::to_string(testing::ReleasedLoopbackPort(SOCK_DGRAM));
}

Result<Facts> RunDns(const Params& params, const std::filesystem::path& root = "/",
                     milliseconds timeout = milliseconds(3000)) {
  return testing::CallProbe("dns", params, root, timeout);
}

TEST(DnsProbeTest, AnswersPerRcode) {
  FakeDnsServer server;
  struct Case {
    std::string name;
    std::string type;
    std::string rcode;
    std::vector<std::string> addresses;
  };
  const Case cases[] = {
      {"known.test", "A", "NOERROR", {"10.1.2.3"}}, {"known.test", "aaaa", "NOERROR", {"fd00::1"}},
      {"nodata.test", "A", "NOERROR", {}},          {"missing.test", "A", "NXDOMAIN", {}},
      {"fail.test", "A", "SERVFAIL", {}},           {"refused.test", "A", "REFUSED", {}},
  };
  for (const Case& c : cases) {
    Result<Facts> facts =
        RunDns({{"name", c.name}, {"type", c.type}, {"resolvers", {server.address()}}});
    ASSERT_TRUE(facts) << c.name << ": " << facts.error().ToString();
    ASSERT_EQ((*facts)["resolvers"].size(), 1u) << *facts;
    const auto& resolver = (*facts)["resolvers"][0];
    EXPECT_EQ(resolver["address"], server.address());
    EXPECT_EQ(resolver["answered"], true) << c.name << " " << resolver;
    EXPECT_EQ(resolver["rcode"], c.rcode) << c.name;
    EXPECT_EQ(resolver["addresses"], nlohmann::json(c.addresses)) << c.name;
    EXPECT_EQ(resolver["error"], "") << c.name;
    EXPECT_LT(resolver["latency"].get<double>(), 1.0) << c.name;
    EXPECT_EQ((*facts)["resolved"], !c.addresses.empty()) << c.name;
    EXPECT_EQ((*facts)["addresses"], nlohmann::json(c.addresses)) << c.name;
    EXPECT_EQ((*facts)["unanswered"], nlohmann::json::array()) << c.name;
    EXPECT_EQ((*facts)["name"], c.name);
    EXPECT_EQ((*facts)["configured"], true);
  }
}

TEST(DnsProbeTest, DeadAndSilentResolversAreFactsWithinTheDeadline) {
  FakeDnsServer server;
  const std::string dead = DeadResolver();
  const auto start = SteadyClock::now();
  // silent.test gets no reply from the fake server; the dead port refuses; both run at once.
  Result<Facts> facts = RunDns({{"name", "silent.test"}, {"resolvers", {server.address(), dead}}},
                               "/", milliseconds(1500));
  const auto elapsed = SteadyClock::now() - start;
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_LT(elapsed, milliseconds(2500));
  const auto& resolvers = (*facts)["resolvers"];
  ASSERT_EQ(resolvers.size(), 2u);
  EXPECT_EQ(resolvers[0]["answered"], false);
  EXPECT_EQ(resolvers[0]["error"], "timeout");
  EXPECT_EQ(resolvers[0]["rcode"], "");
  EXPECT_EQ(resolvers[1]["address"], dead);
  EXPECT_EQ(resolvers[1]["answered"], false);
  EXPECT_EQ(resolvers[1]["error"], "connection refused");
  EXPECT_LT(resolvers[1]["latency"].get<double>(), 1.0);
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json({server.address(), dead}));
  EXPECT_EQ((*facts)["resolved"], false);
}

TEST(DnsProbeTest, OneGoodResolverResolves) {
  FakeDnsServer server;
  const std::string dead = DeadResolver();
  Result<Facts> facts = RunDns({{"name", "known.test"}, {"resolvers", {dead, server.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["resolved"], true);
  EXPECT_EQ((*facts)["addresses"], nlohmann::json({"10.1.2.3"}));
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json({dead}));
}

TEST(DnsProbeTest, ResolversFromResolvConf) {
  testing::ScopedTempDir root;
  // Port 53 of 127.0.0.1 has no resolver on the test machines: an unanswered resolver.
  root.WriteFile("etc/resolv.conf", "# generated\nnameserver 127.0.0.1\nnameserver ::1\n");
  Result<Facts> facts = RunDns({{"name", "known.test"}}, root.path(), milliseconds(2000));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["configured"], true);
  ASSERT_EQ((*facts)["resolvers"].size(), 2u);
  EXPECT_EQ((*facts)["resolvers"][0]["address"], "127.0.0.1:53");
  EXPECT_EQ((*facts)["resolvers"][1]["address"], "[::1]:53");
  EXPECT_EQ((*facts)["unanswered"], nlohmann::json({"127.0.0.1:53", "[::1]:53"}));
}

TEST(DnsProbeTest, NoResolversConfigured) {
  testing::ScopedTempDir empty_conf;
  empty_conf.WriteFile("etc/resolv.conf", "# nothing here\nsearch example.com\n");
  testing::ScopedTempDir no_conf;
  for (const auto* root : {&empty_conf, &no_conf}) {
    Result<Facts> facts = RunDns(Params::object(), root->path());
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["configured"], false);
    EXPECT_EQ((*facts)["resolvers"], nlohmann::json::array());
    EXPECT_EQ((*facts)["unanswered"], nlohmann::json::array());
    EXPECT_EQ((*facts)["resolved"], false);
    EXPECT_EQ((*facts)["name"], "localhost");
  }
}

TEST(DnsProbeTest, BadParametersAreErrors) {
  struct Case {
    Params params;
    std::string message;
  };
  const Case cases[] = {
      {{{"resolvers", {"dns.example"}}},
       "parameter 'resolvers': resolver 'dns.example' is not an IPv4 or IPv6 address"},
      {{{"resolvers", {"127.0.0.1:99999"}}},
       "parameter 'resolvers': resolver: port 99999 in '127.0.0.1:99999' is out of range 1-65535"},
      {{{"type", "MX"}, {"resolvers", {"127.0.0.1"}}},
       "parameter 'type' is 'MX', expected A or AAAA"},
      {{{"name", ""}}, "parameter 'name' is empty"},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunDns(c.params);
    ASSERT_FALSE(facts) << c.params;
    EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(facts.error().message(), c.message);
  }
}

}  // namespace
}  // namespace flightcheck
