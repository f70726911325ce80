#include "checks/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

constexpr std::string_view kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

TEST(PortsParseTest, Table) {
  struct Case {
    std::string name;
    std::string text;
    bool ipv6;
    std::vector<std::tuple<std::string, int, int>> expected;  // address, port, state
  };
  const std::vector<Case> cases = {
      {"upper-case hex port 8080 = 1F90 (DC/OS looked for \"1f90\")",
       std::string(kTcpHeader) +
           "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0     "
           "   0 1001 1 0000000000000000 100 0 0 10 0\n",
       false,
       {{"127.0.0.1", 8080, 0x0A}}},
      {"lower-case hex is read the same",
       "   0: 0b00007f:0885 00000000:0000 0a 00000000:00000000 00:00000000 00000000 0 0 1 1 0\n",
       false,
       {{"127.0.0.11", 2181, 0x0A}}},
      {"LISTEN vs TIME_WAIT vs ESTABLISHED keep their states",
       std::string(kTcpHeader) +
           "   0: 00000000:0885 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
           "   1: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00000F9A 00000000 0 0 0 3\n"
           "   2: 0100007F:0035 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000 0 0 3 1\n",
       false,
       {{"0.0.0.0", 2181, 0x0A}, {"127.0.0.1", 8080, 0x06}, {"127.0.0.1", 53, 0x01}}},
      {"tcp6: wildcard, loopback and a v4-mapped address",
       "  sl  local_address                         remote_address                        st\n"
       "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0\n"
       "   1: 00000000000000000000000001000000:0885 00000000000000000000000000000000:0000 0A 0 0\n"
       "   2: 0000000000000000FFFF00000100007F:E53B 00000000000000000000000000000000:0000 0A 0 0\n",
       true,
       {{"::", 8080, 0x0A}, {"::1", 2181, 0x0A}, {"::ffff:127.0.0.1", 58683, 0x0A}}},
      {"udp: bound (07) and connected (01)",
       "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
       " 1234: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0\n"
       " 1250: 0100007F:D2F0 3500007F:0035 01 00000000:00000000 00:00000000 00000000 0\n",
       false,
       {{"127.0.0.53", 53, 0x07}, {"127.0.0.1", 54000, 0x01}}},
      {"header only", std::string(kTcpHeader), false, {}},
      {"empty", "", false, {}},
  };
  for (const Case& c : cases) {
    Result<std::vector<ProcNetSocket>> sockets = ParseProcNetSockets(c.text, c.ipv6);
    ASSERT_TRUE(sockets) << c.name << ": " << sockets.error().ToString();
    ASSERT_EQ(sockets->size(), c.expected.size()) << c.name;
    for (size_t i = 0; i < c.expected.size(); ++i) {
      EXPECT_EQ((*sockets)[i].local_address, std::get<0>(c.expected[i])) << c.name;
      EXPECT_EQ((*sockets)[i].port, std::get<1>(c.expected[i])) << c.name;
      EXPECT_EQ((*sockets)[i].state, std::get<2>(c.expected[i])) << c.name;
    }
  }
}

TEST(PortsParseTest, Errors) {
  struct Case {
    std::string text;
    bool ipv6;
    std::string message;
  };
  const Case cases[] = {
      {"   0: 0100007F:1F90\n", false, "line 1 (fewer than 4 fields)"},
      {"   0: 0100007F1F90 00000000:0000 0A 0\n", false, "line 1 (local address without ':')"},
      {"   0: 0100007F:1F90 00000000:0000 0A 0\n", true,
       "line 1 (expected a 32-digit hex IPv6 address)"},
      {"   0: 0100007G:1F90 00000000:0000 0A 0\n", false,
       "line 1 (expected an 8-digit hex address)"},
      {std::string(kTcpHeader) + "   0: 0100007F:1FFFF 00000000:0000 0A 0\n", false,
       "line 2 (bad port)"},
      {"   0: 0100007F:1F90 00000000:0000 XY 0\n", false, "line 1 (bad state)"},
  };
  for (const Case& c : cases) {
    Result<std::vector<ProcNetSocket>> sockets = ParseProcNetSockets(c.text, c.ipv6);
    ASSERT_FALSE(sockets) << c.text;
    EXPECT_EQ(sockets.error().code(), ErrorCode::kParseError);
    EXPECT_EQ(sockets.error().message().rfind(c.message, 0), 0u) << sockets.error().message();
  }
}

Result<Facts> RunPorts(const std::filesystem::path& root, const Params& params) {
  return testing::CallProbe("ports", params, root, std::chrono::seconds(5));
}

TEST(PortsProbeTest, FixtureRoot) {
  // 2181 listens on 127.0.0.11, 8080 only on tcp6 [::], 5050 is TIME_WAIT, 53/tcp ESTABLISHED,
  // 53/udp bound on 127.0.0.53; there is no udp6 file (a kernel without IPv6 UDP is fine).
  Result<Facts> facts =
      RunPorts(testing::FixturePath("hosts/ports-master"),
               {{"tcp", {53, 80, 2181, 5050, 5051, 8080}}, {"udp", {53}}, {"bind_test", true}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json({53, 2181, 8080}));
  EXPECT_EQ((*facts)["taken"], nlohmann::json({"53/udp", "2181/tcp", "8080/tcp"}))
      << "53/tcp is only ESTABLISHED: the protocol says which 53 is taken";
  EXPECT_EQ((*facts)["listeners"],
            nlohmann::json({"udp 127.0.0.53:53", "tcp 127.0.0.11:2181", "tcp6 [::]:8080"}));
  // Not the live host: no bind test.
  EXPECT_TRUE((*facts)["free"].is_null());
  EXPECT_TRUE((*facts)["not_bindable"].is_null());
}

TEST(PortsProbeTest, AddressCountsOnlyListenersOnItOrOnTheWildcard) {
  // 2181 on 127.0.0.11 conflicts for 127.0.0.11 only; 8080 on [::] for every address.
  const Params ports = {{"tcp", {2181, 8080}}, {"udp", {53}}};
  Params on_11 = ports;
  on_11["address"] = "127.0.0.11";
  Result<Facts> facts = RunPorts(testing::FixturePath("hosts/ports-master"), on_11);
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json({2181, 8080}));
  Params on_12 = ports;
  on_12["address"] = "127.0.0.12";
  facts = RunPorts(testing::FixturePath("hosts/ports-master"), on_12);
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json({8080}));
  EXPECT_EQ((*facts)["listeners"], nlohmann::json({"tcp6 [::]:8080"}));
}

TEST(PortsProbeTest, NoPortsRequestedListsEveryListener) {
  Result<Facts> facts = RunPorts(testing::FixturePath("hosts/ports-master"), Params::object());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json::array());
  EXPECT_EQ((*facts)["listeners"], nlohmann::json({"tcp 0.0.0.0:22", "udp 127.0.0.53:53",
                                                   "tcp 127.0.0.11:2181", "tcp6 [::]:8080"}));
}

// One LISTEN socket on 0.0.0.0:22, for tables that must hold a socket line.
constexpr std::string_view kSshLine =
    "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n";

TEST(PortsProbeTest, OnlyTheIpv6TablesMayBeAbsent) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/net/tcp", std::string(kTcpHeader) + std::string(kSshLine));
  Result<Facts> facts = RunPorts(root.path(), {{"tcp", {2181, 22}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json({22})) << "no tcp6: a kernel without IPv6";

  // udp is read only when asked about, and then it must be there.
  facts = RunPorts(root.path(), {{"tcp", {2181}}, {"udp", {53}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "not found: cannot read '/proc/net/udp': No such file or directory; without it no "
            "listener can be seen (only the IPv6 tables tcp6 and udp6 may be absent)");
}

TEST(PortsProbeTest, MissingEmptyOrHeaderOnlyIpv4TableIsAnErrorNotNoListeners) {
  testing::ScopedTempDir missing;
  Result<Facts> facts = RunPorts(missing.path(), {{"tcp", {2181}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "not found: cannot read '/proc/net/tcp': No such file or directory; without it no "
            "listener can be seen (only the IPv6 tables tcp6 and udp6 may be absent)");

  testing::ScopedTempDir empty;
  empty.WriteFile("proc/net/tcp", "");
  facts = RunPorts(empty.path(), {{"tcp", {2181}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "parse error: /proc/net/tcp is empty; the kernel's table always starts with a header "
            "line ('sl local_address ...')");

  testing::ScopedTempDir header_only;
  header_only.WriteFile("proc/net/tcp", std::string(kTcpHeader) + std::string(kSshLine));
  header_only.WriteFile("proc/net/udp", "   sl  local_address rem_address   st\n");
  facts = RunPorts(header_only.path(), {{"udp", {53}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "parse error: /proc/net/udp has only its header line and is not the kernel's own table "
            "(procfs), so it cannot show that nothing listens; a host in use has at least one "
            "socket there");
  header_only.WriteFile("proc/net/udp6", "");  // present, but not even a header
  header_only.WriteFile("proc/net/udp", "   sl  local_address\n" + std::string(kSshLine));
  facts = RunPorts(header_only.path(), {{"udp", {53}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "parse error: /proc/net/udp6 is empty; the kernel's table always starts with a header "
            "line ('sl local_address ...')");
  header_only.WriteFile("proc/net/udp6", "  sl  local_address\n");  // no IPv6 sockets: fine
  facts = RunPorts(header_only.path(), {{"udp", {53}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["listening"], nlohmann::json::array());
}

TEST(PortsProbeTest, NoPortsRequestedNeedsBothIpv4Tables) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/net/tcp", std::string(kTcpHeader) + std::string(kSshLine));
  Result<Facts> facts = RunPorts(root.path(), Params::object());
  ASSERT_FALSE(facts) << "every listener was asked for, and udp cannot be seen";
  EXPECT_TRUE(facts.error().IsNotFound()) << facts.error().ToString();
}

TEST(PortsProbeTest, TheLiveKernelsTablesAreTrustedEvenWithoutSockets) {
  // On procfs a header-only table means no sockets (this very sandbox may have no UDP socket).
  Result<Facts> facts = RunPorts("/", {{"tcp", {1}}, {"udp", {1}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
}

TEST(PortsProbeTest, UnreadableOrGarbledFilesAreErrors) {
  testing::ScopedTempDir unreadable;
  std::filesystem::create_directories(unreadable.path() / "proc/net/tcp");
  Result<Facts> facts = RunPorts(unreadable.path(), {{"tcp", {2181}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "invalid argument: '/proc/net/tcp' is a directory, not a regular file");

  testing::ScopedTempDir garbled;
  garbled.WriteFile("proc/net/udp", "   sl  local_address\n" + std::string(kSshLine));
  garbled.WriteFile("proc/net/udp6", "   0: nonsense\n");
  facts = RunPorts(garbled.path(), {{"udp", {53}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kParseError);
  EXPECT_EQ(facts.error().message(), "/proc/net/udp6: line 1 (fewer than 4 fields): 0: nonsense");
}

TEST(PortsProbeTest, PortOutOfRangeIsAnError) {
  Result<Facts> facts = RunPorts(testing::FixturePath("hosts/ports-master"), {{"udp", {0}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(facts.error().message(), "parameter 'udp' holds port 0, expected 1-65535");
}

// A socket bound on 127.0.0.1; TCP ones listen. Closed on destruction.
class Bound {
 public:
  Bound(int type, int port) {
    fd_ = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    const int one = 1;
    // The port may be in TIME_WAIT from an earlier run; a live listener elsewhere makes bind fail
    // below, which the test reports.
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    error_ = bound_ ? "" : std::strerror(errno);
    if (bound_ && type == SOCK_STREAM) bound_ = ::listen(fd_, 8) == 0;
    socklen_t length = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
  }
  ~Bound() { ::close(fd_); }
  Bound(const Bound&) = delete;
  Bound& operator=(const Bound&) = delete;
  bool ok() const { return bound_; }
  int port() const { return port_; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool bound_ = false;
  std::string error_;
};

int UnusedTcpPort() {
  Bound probe(SOCK_STREAM, 0);
  return probe.port();
}

TEST(PortsProbeTest, LiveListenersAreReported) {
  Bound zk(SOCK_STREAM, 2181);
  ASSERT_TRUE(zk.ok()) << "127.0.0.1:2181 is taken on this machine: " << zk.error();
  Bound marathon(SOCK_STREAM, 8080);
  ASSERT_TRUE(marathon.ok()) << "127.0.0.1:8080 is taken on this machine: " << marathon.error();
  Bound dns(SOCK_DGRAM, 0);
  ASSERT_TRUE(dns.ok());
  const int unused = UnusedTcpPort();

  Result<Facts> facts =
      RunPorts("/", {{"tcp", {2181, 8080, unused}}, {"udp", {dns.port()}}, {"bind_test", false}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const auto& listening = (*facts)["listening"];
  EXPECT_NE(std::find(listening.begin(), listening.end(), 2181), listening.end()) << listening;
  EXPECT_NE(std::find(listening.begin(), listening.end(), 8080), listening.end()) << listening;
  EXPECT_NE(std::find(listening.begin(), listening.end(), dns.port()), listening.end())
      << listening;
  EXPECT_EQ(std::find(listening.begin(), listening.end(), unused), listening.end()) << listening;
  const auto& taken = (*facts)["taken"];
  EXPECT_NE(std::find(taken.begin(), taken.end(), fmt::format("{}/udp", dns.port())), taken.end())
      << taken;
  EXPECT_NE(std::find(taken.begin(), taken.end(), "2181/tcp"), taken.end()) << taken;
  const auto& listeners = (*facts)["listeners"];
  for (const std::string& expected :
       {std::string("tcp 127.0.0.1:2181"), std::string("tcp 127.0.0.1:8080"),
        "udp 127.0.0.1:" + std::to_string(dns.port())}) {
    EXPECT_NE(std::find(listeners.begin(), listeners.end(), expected), listeners.end())
        << expected << " not in " << listeners;
  }
  EXPECT_TRUE((*facts)["free"].is_null());
}

TEST(PortsProbeTest, LiveBindTestReportsTakenPorts) {
  // An ephemeral port, so this test can run beside LiveListenersAreReported (which holds 2181).
  Bound taken(SOCK_STREAM, 0);
  ASSERT_TRUE(taken.ok()) << taken.error();
  Bound dns(SOCK_DGRAM, 0);
  ASSERT_TRUE(dns.ok());
  const int unused = UnusedTcpPort();

  Result<Facts> facts =
      RunPorts("/", {{"tcp", {taken.port(), unused}}, {"udp", {dns.port()}}, {"bind_test", true}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["free"], nlohmann::json({unused}));
  EXPECT_EQ((*facts)["not_bindable"],
            nlohmann::json({"tcp/" + std::to_string(taken.port()) + ": Address already in use",
                            "udp/" + std::to_string(dns.port()) + ": Address already in use"}));
}

}  // namespace
}  // namespace flightcheck
