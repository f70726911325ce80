#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "checks/net.h"
#include "checks/probe.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/probe_call.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;

using testing::LoopbackSocket;

// Accepts one connection, reads the request (up to request_size bytes), writes reply and closes.
std::thread ServeOnce(const LoopbackSocket& listener, size_t request_size, std::string reply,
                      std::string* request_seen) {
  return std::thread([fd = listener.fd(), request_size, reply, request_seen] {
    const int conn = ::accept(fd, nullptr, nullptr);
    if (conn < 0) return;
    std::string request;
    char buffer[256];
    while (request.size() < request_size) {
      const ssize_t n = ::recv(conn, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
    *request_seen = request;
    size_t sent = 0;
    while (sent < reply.size()) {
      const ssize_t n = ::send(conn, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::close(conn);
  });
}

TEST(NetTest, ParseHostPort) {
  struct Case {
    std::string_view text;
    std::string host;
    int port;
  };
  const Case cases[] = {
      {"1.2.3.4", "1.2.3.4", 2181}, {"1.2.3.4:53", "1.2.3.4", 53},
      {"[::1]:53", "::1", 53},      {"[::1]", "::1", 2181},
      {"::1", "::1", 2181},         {"fe80::1:2", "fe80::1:2", 2181},
      {"name:2181", "name", 2181},  {" zk-1.example:65535 ", "zk-1.example", 65535},
  };
  for (const Case& c : cases) {
    Result<HostPort> parsed = ParseHostPort(c.text, 2181);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().ToString();
    EXPECT_EQ(parsed->host, c.host) << c.text;
    EXPECT_EQ(parsed->port, c.port) << c.text;
  }
}

TEST(NetTest, ParseHostPortErrors) {
  struct Case {
    std::string_view text;
    std::string message;
  };
  const Case cases[] = {
      {"", "empty address"},
      {"host:", "missing port in 'host:'"},
      {"host:abc", "invalid port 'abc' in 'host:abc'"},
      {"host:70000", "port 70000 in 'host:70000' is out of range 1-65535"},
      {"host:0", "port 0 in 'host:0' is out of range 1-65535"},
      {"[::1:53", "missing ']' in '[::1:53'"},
      {"[::1]53", "unexpected '53' after ']' in '[::1]53'"},
      {":53", "empty host in ':53'"},
  };
  for (const Case& c : cases) {
    Result<HostPort> parsed = ParseHostPort(c.text, 53);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(parsed.error().message(), c.message) << c.text;
  }
  // A server may ask for any free port.
  Result<HostPort> any_port = ParseHostPort("127.0.0.1:0", -1, 0);
  ASSERT_TRUE(any_port);
  EXPECT_EQ(any_port->port, 0);
  EXPECT_EQ(ParseHostPort("h:-1", 53, 0).error().message(),
            "port -1 in 'h:-1' is out of range 0-65535");
}

TEST(NetTest, FormatHostPort) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 53), "127.0.0.1:53");
  EXPECT_EQ(FormatHostPort("::1", 53), "[::1]:53");
  EXPECT_EQ(FormatHostPort("zk-1", 2181), "zk-1:2181");
}

TEST(NetTest, ConnectsToIpv4AndIpv6Listeners) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    LoopbackSocket listener(address, /*listen=*/true);
    Result<int> fd = ConnectTcp(address, listener.port(), Deadline::In(milliseconds(2000)));
    ASSERT_TRUE(fd) << address << ": " << fd.error().ToString();
    EXPECT_GE(*fd, 0);
    ::close(*fd);
  }
}

TEST(NetTest, ConnectsByName) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true);
  Result<int> fd = ConnectTcp("localhost", listener.port(), Deadline::In(milliseconds(2000)));
  ASSERT_TRUE(fd) << fd.error().ToString();
  ::close(*fd);
}

TEST(NetTest, RefusedIsUnavailable) {
  // Bound but not listening: the kernel answers SYN with RST.
  LoopbackSocket bound("127.0.0.1", /*listen=*/false);
  Result<int> fd = ConnectTcp("127.0.0.1", bound.port(), Deadline::In(milliseconds(2000)));
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(fd.error().message(),
            "connect to 127.0.0.1:" + std::to_string(bound.port()) + ": Connection refused");
}

TEST(NetTest, UnresolvableNameIsNotFound) {
  Result<int> fd = ConnectTcp("no-such-host.invalid", 80, Deadline::In(milliseconds(2000)));
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(fd.error().message().find("resolving 'no-such-host.invalid'"), std::string::npos)
      << fd.error().message();
}

TEST(NetTest, BadPortIsInvalidArgument) {
  Result<int> fd = ConnectTcp("127.0.0.1", 0, Deadline::In(milliseconds(2000)));
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(fd.error().message().find("out of range"), std::string::npos);
}

// A listener whose accept queue is full drops further SYNs, so the connect hangs until the
// deadline: a real timeout without leaving the loopback interface.
TEST(NetTest, FullBacklogTimesOutAtTheDeadline) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true, /*backlog=*/0);
  std::vector<int> open;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    const auto start = SteadyClock::now();
    Result<int> fd = ConnectTcp("127.0.0.1", listener.port(), Deadline::In(milliseconds(300)));
    const auto elapsed = SteadyClock::now() - start;
    if (fd) {
      open.push_back(*fd);
      continue;
    }
    ASSERT_EQ(fd.error().code(), ErrorCode::kTimeout) << fd.error().ToString();
    EXPECT_NE(fd.error().message().find("timed out"), std::string::npos);
    EXPECT_GE(elapsed, milliseconds(290));
    EXPECT_LT(elapsed, milliseconds(1000));
    timed_out = true;
  }
  for (int fd : open) ::close(fd);
  EXPECT_TRUE(timed_out) << "every connect succeeded; the backlog never filled";
}

TEST(NetTest, TcpExchangeSendsAndReadsUntilEof) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true);
  std::string seen;
  std::thread server = ServeOnce(listener, 4, "Mode: leader\n", &seen);
  Result<std::string> reply =
      TcpExchange("127.0.0.1", listener.port(), "srvr", Deadline::In(milliseconds(2000)));
  server.join();
  ASSERT_TRUE(reply) << reply.error().ToString();
  EXPECT_EQ(*reply, "Mode: leader\n");
  EXPECT_EQ(seen, "srvr");
}

TEST(NetTest, TcpExchangeStopsAtMaxBytes) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true);
  std::string seen;
  std::thread server = ServeOnce(listener, 4, std::string(100000, 'x'), &seen);
  Result<std::string> reply =
      TcpExchange("127.0.0.1", listener.port(), "mntr", Deadline::In(milliseconds(2000)), 10);
  ASSERT_TRUE(reply) << reply.error().ToString();
  EXPECT_EQ(*reply, std::string(10, 'x'));
  server.join();
}

TEST(NetTest, TcpExchangeTimesOutWhenThePeerNeverCloses) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true);  // accepted by the kernel, never served
  const auto start = SteadyClock::now();
  Result<std::string> reply =
      TcpExchange("127.0.0.1", listener.port(), "srvr", Deadline::In(milliseconds(300)));
  const auto elapsed = SteadyClock::now() - start;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(reply.error().message(),
            "reading from 127.0.0.1:" + std::to_string(listener.port()) + ": timed out");
  EXPECT_LT(elapsed, milliseconds(1000));
}

Result<Facts> RunTcpConnect(const Params& params, milliseconds timeout = milliseconds(2000)) {
  return testing::CallProbe("tcp_connect", params, "/", timeout);
}

TEST(TcpConnectProbeTest, ReachableListener) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true);
  Result<Facts> facts = RunTcpConnect({{"host", "127.0.0.1"}, {"port", listener.port()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["reachable"], true);
  EXPECT_EQ((*facts)["error"], "");
  EXPECT_GE((*facts)["latency"].get<double>(), 0.0);
  EXPECT_LT((*facts)["latency"].get<double>(), 1.0);
}

TEST(TcpConnectProbeTest, Ipv6Listener) {
  LoopbackSocket listener("::1", /*listen=*/true);
  Result<Facts> facts = RunTcpConnect({{"host", "::1"}, {"port", listener.port()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["reachable"], true);
}

TEST(TcpConnectProbeTest, RefusedIsAFact) {
  LoopbackSocket bound("127.0.0.1", /*listen=*/false);
  Result<Facts> facts = RunTcpConnect({{"host", "127.0.0.1"}, {"port", bound.port()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["reachable"], false);
  EXPECT_NE((*facts)["error"].get<std::string>().find("Connection refused"), std::string::npos)
      << (*facts)["error"];
}

TEST(TcpConnectProbeTest, TimeoutIsAFact) {
  LoopbackSocket listener("127.0.0.1", /*listen=*/true, /*backlog=*/0);
  std::vector<int> open;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    Result<Facts> facts =
        RunTcpConnect({{"host", "127.0.0.1"}, {"port", listener.port()}}, milliseconds(300));
    ASSERT_TRUE(facts) << facts.error().ToString();
    if ((*facts)["reachable"] == true) {
      // Keep the accept queue full: hold a connection for as long as the test runs.
      Result<int> fd = ConnectTcp("127.0.0.1", listener.port(), Deadline::In(milliseconds(300)));
      if (fd) open.push_back(*fd);
      continue;
    }
    EXPECT_NE((*facts)["error"].get<std::string>().find("timed out"), std::string::npos)
        << (*facts)["error"];
    EXPECT_GE((*facts)["latency"].get<double>(), 0.29);
    timed_out = true;
  }
  for (int fd : open) ::close(fd);
  EXPECT_TRUE(timed_out);
}

TEST(TcpConnectProbeTest, BadParametersAreErrors) {
  Result<Facts> port = RunTcpConnect({{"host", "127.0.0.1"}, {"port", 70000}});
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(port.error().message(), "parameter 'port' is 70000, expected 1-65535");

  Result<Facts> host = RunTcpConnect({{"host", ""}, {"port", 80}});
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().message(), "parameter 'host' is empty");

  Result<Facts> unresolvable = RunTcpConnect({{"host", "no-such-host.invalid"}, {"port", 80}});
  ASSERT_FALSE(unresolvable);
  EXPECT_EQ(unresolvable.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace flightcheck
