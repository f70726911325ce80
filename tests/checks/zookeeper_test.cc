#include "checks/zookeeper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/probe_call.h"

namespace flightcheck {
namespace {

constexpr std::string_view kLeaderSrvr =
    "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
    "Latency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\n"
    "Zxid: 0x100000002\nMode: leader\nNode count: 5\nProposal sizes last/min/max: -1/-1/-1\n";
constexpr std::string_view kNotServing =
    "This ZooKeeper instance is not currently serving requests\n";
constexpr std::string_view kNotWhitelisted =
    "srvr is not executed because it is not in the whitelist.\n";

TEST(ZookeeperParseTest, Srvr) {
  struct Case {
    std::string_view text;
    std::string mode;
    std::string zxid;
    int64_t node_count;
    bool serving;
  };
  const Case cases[] = {
      {kLeaderSrvr, "leader", "0x100000002", 5, true},
      {"Zxid: 0x0\nMode: standalone\nNode count: 5\n", "standalone", "0x0", 5, true},
      {"Mode: follower\nZxid: 0x200000000\n", "follower", "0x200000000", -1, true},
      {"Mode: observer\n", "observer", "", -1, true},
      {"Mode: read-only\n", "read-only", "", -1, false},
      {kNotServing, "not serving", "", -1, false},
      {kNotWhitelisted, "", "", -1, false},
      {"", "", "", -1, false},
  };
  for (const Case& c : cases) {
    const SrvrReply reply = ParseSrvr(c.text);
    EXPECT_EQ(reply.mode, c.mode) << c.text;
    EXPECT_EQ(reply.zxid, c.zxid) << c.text;
    EXPECT_EQ(reply.node_count, c.node_count) << c.text;
    EXPECT_EQ(reply.serving, c.serving) << c.text;
  }
}

TEST(ZookeeperParseTest, WhitelistAndMntr) {
  EXPECT_TRUE(IsNotWhitelisted(kNotWhitelisted));
  EXPECT_FALSE(IsNotWhitelisted(kLeaderSrvr));
  const std::string_view mntr =
      "zk_version\t3.8.0\nzk_server_state\tleader\nzk_synced_followers\t2\n";
  EXPECT_EQ(MntrValue(mntr, "zk_synced_followers"), "2");
  EXPECT_EQ(MntrValue(mntr, "zk_server_state"), "leader");
  EXPECT_EQ(MntrValue(mntr, "zk_missing"), std::nullopt);
}

using Replies = std::map<std::string, std::string>;

// Answers four-letter words on 127.0.0.1 with canned replies, any number of connections.
class FakeZookeeper {
 public:
  explicit FakeZookeeper(Replies replies) : replies_(std::move(replies)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeZookeeper() {
    stop_ = true;
    thread_.join();
  }
  FakeZookeeper(const FakeZookeeper&) = delete;
  FakeZookeeper& operator=(const FakeZookeeper&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd{.fd = listener_.fd(), .events = POLLIN, .revents = 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      const int conn = ::accept(listener_.fd(), nullptr, nullptr);
      if (conn < 0) continue;
      char command[4];
      size_t got = 0;
      while (got < 4) {
        const ssize_t n = ::recv(conn, command + got, 4 - got, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      const auto it = replies_.find(std::string(command, got));
      if (it != replies_.end()) ::send(conn, it->second.data(), it->second.size(), MSG_NOSIGNAL);
      ::close(conn);
    }
  }

  Replies replies_;
  testing::LoopbackSocket listener_{"127.0.0.1", /*listen=*/true};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A 127.0.0.1 port that refuses connections (bound, not listening) for as long as it lives.
class RefusingPort {
 public:
  std::string address() const { return "127.0.0.1:" + std::to_string(socket_.port()); }

 private:
  testing::LoopbackSocket socket_{"127.0.0.1", /*listen=*/false};
};

Result<Facts> RunZookeeper(const Params& params) {
  return testing::CallProbe("zookeeper", params, "/", std::chrono::seconds(3));
}

TEST(ZookeeperProbeTest, LeaderFollowerAndOneRefused) {
  FakeZookeeper leader(Replies{{"srvr", std::string(kLeaderSrvr)},
                               {"mntr", "zk_server_state\tleader\nzk_synced_followers\t1\n"}});
  FakeZookeeper follower(Replies{{"srvr", "Zxid: 0x100000002\nMode: follower\nNode count: 5\n"}});
  RefusingPort dead;
  Result<Facts> facts =
      RunZookeeper({{"servers", {dead.address(), leader.address(), follower.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ensemble_size"], 3);
  EXPECT_EQ((*facts)["serving_count"], 2);
  EXPECT_EQ((*facts)["leader"], leader.address());
  EXPECT_EQ((*facts)["quorum"], true);
  EXPECT_EQ((*facts)["synced_followers"], 1);
  EXPECT_EQ((*facts)["not_serving"], nlohmann::json({dead.address() + " (connection refused)"}));
  const auto& servers = (*facts)["servers"];
  ASSERT_EQ(servers.size(), 3u);
  EXPECT_EQ(servers[0]["mode"], "unreachable");
  EXPECT_EQ(servers[0]["serving"], false);
  EXPECT_EQ(servers[0]["error"], "connection refused");
  EXPECT_EQ(servers[1]["mode"], "leader");
  EXPECT_EQ(servers[1]["zxid"], "0x100000002");
  EXPECT_EQ(servers[1]["error"], "");
  EXPECT_EQ(servers[2]["mode"], "follower");
  EXPECT_EQ((*facts)["detail"], "leader " + leader.address() + "; 2 of 3 serving; not serving: " +
                                    dead.address() + " (connection refused)");
}

TEST(ZookeeperProbeTest, NoMajorityIsNoQuorum) {
  FakeZookeeper leader(Replies{{"srvr", std::string(kLeaderSrvr)}});
  FakeZookeeper lonely(Replies{{"srvr", std::string(kNotServing)}});
  RefusingPort dead;
  Result<Facts> facts =
      RunZookeeper({{"servers", {leader.address(), lonely.address(), dead.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["quorum"], false);
  EXPECT_EQ((*facts)["serving_count"], 1);
  EXPECT_TRUE((*facts)["synced_followers"].is_null());  // the leader gave no mntr answer
  EXPECT_EQ((*facts)["servers"][1]["mode"], "not serving");
  EXPECT_EQ((*facts)["detail"],
            "leader " + leader.address() + "; 1 of 3 serving; not serving: " + lonely.address() +
                " (not serving requests), " + dead.address() + " (connection refused)");
}

TEST(ZookeeperProbeTest, StandaloneSingleServerHasQuorum) {
  FakeZookeeper standalone(Replies{{"srvr", "Zxid: 0x0\nMode: standalone\nNode count: 5\n"}});
  Result<Facts> facts = RunZookeeper({{"servers", {standalone.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["quorum"], true);
  EXPECT_EQ((*facts)["leader"], "");
  EXPECT_EQ((*facts)["detail"], "standalone " + standalone.address() + "; 1 of 1 serving");
}

TEST(ZookeeperProbeTest, NotWhitelistedIsThatServersError) {
  FakeZookeeper locked(Replies{{"srvr", std::string(kNotWhitelisted)}});
  Result<Facts> facts = RunZookeeper({{"servers", {locked.address()}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["quorum"], false);
  EXPECT_EQ((*facts)["servers"][0]["mode"], "unknown");
  EXPECT_EQ((*facts)["servers"][0]["error"],
            "srvr is not executed because it is not in the whitelist.");
}

TEST(ZookeeperProbeTest, DefaultPortAndDuplicates) {
  RefusingPort dead;
  const std::string port = dead.address().substr(dead.address().rfind(':') + 1);
  Result<Facts> facts =
      RunZookeeper({{"servers", {"127.0.0.1", dead.address()}}, {"port", std::stoi(port)}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ensemble_size"], 1);
  EXPECT_EQ((*facts)["servers"][0]["address"], dead.address());
  EXPECT_EQ((*facts)["detail"],
            "no leader; 0 of 1 serving; not serving: " + dead.address() + " (connection refused)");
}

TEST(ZookeeperProbeTest, BadServersAreErrors) {
  Result<Facts> facts = RunZookeeper({{"servers", {"127.0.0.1:x"}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(facts.error().message(), "parameter 'servers': invalid port 'x' in '127.0.0.1:x'");
  facts = RunZookeeper({{"servers", nlohmann::json::array()}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().message(), "parameter 'servers' is empty");
  facts = RunZookeeper(Params::object());
  ASSERT_FALSE(facts);  // required
}

}  // namespace
}  // namespace flightcheck
