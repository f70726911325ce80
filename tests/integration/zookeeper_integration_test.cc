// The zookeeper probe against a real three-server ensemble (TESTBED.md): quorum with all three,
// with two after a crash, none after a second crash.
#include <algorithm>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/zookeeper_ensemble.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Result<Facts> RunZookeeper(const std::vector<std::string>& servers) {
  return testing::CallProbe("zookeeper", {{"servers", servers}}, "/", seconds(3));
}

// Runs the probe until done(facts) holds or timeout passes, as a rule with retry would; returns
// the last facts.
Facts PollUntil(const std::vector<std::string>& servers,
                const std::function<bool(const Facts&)>& done, milliseconds timeout) {
  const auto until = SteadyClock::now() + timeout;
  Facts last;
  while (SteadyClock::now() < until) {
    Result<Facts> facts = RunZookeeper(servers);
    EXPECT_TRUE(facts) << facts.error().ToString();
    if (!facts) return last;
    last = *facts;
    if (done(last)) return last;
    std::this_thread::sleep_for(milliseconds(250));
  }
  return last;
}

int IndexOf(const std::vector<std::string>& addresses, const std::string& address) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (addresses[i] == address) return static_cast<int>(i) + 1;
  }
  return 0;
}

TEST(ZookeeperIntegrationTest, QuorumSurvivesOneCrashButNotTwo) {
  testing::ZookeeperEnsemble ensemble(3);
  ASSERT_TRUE(ensemble.Start()) << ensemble.error();
  ASSERT_TRUE(ensemble.WaitUntilQuorum(seconds(120)))
      << ensemble.error() << "\nzk1 log tail:\n"
      << ensemble.Log(1).substr(ensemble.Log(1).size() > 4000 ? ensemble.Log(1).size() - 4000 : 0);
  const std::vector<std::string> servers = ensemble.addresses();

  Result<Facts> all = RunZookeeper(servers);
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_EQ((*all)["quorum"], true) << *all;
  EXPECT_EQ((*all)["ensemble_size"], 3);
  EXPECT_EQ((*all)["serving_count"], 3);
  EXPECT_EQ((*all)["not_serving"], nlohmann::json::array());
  int leaders = 0;
  for (const auto& server : (*all)["servers"]) {
    leaders += server["mode"] == "leader";
    EXPECT_TRUE(server["mode"] == "leader" || server["mode"] == "follower") << server;
    EXPECT_EQ(server["zxid"].get<std::string>().rfind("0x", 0), 0u) << server;
  }
  EXPECT_EQ(leaders, 1);
  const std::string first_leader = (*all)["leader"];
  const int first = IndexOf(servers, first_leader);
  ASSERT_NE(first, 0) << *all;
  EXPECT_EQ((*all)["synced_followers"], 2) << *all;

  // Crash the leader: the other two elect a new one and keep the quorum.
  ensemble.Kill(first);
  const Facts two = PollUntil(
      servers, [](const Facts& f) { return f["quorum"] == true; }, seconds(60));
  EXPECT_EQ(two["quorum"], true) << two;
  EXPECT_EQ(two["serving_count"], 2) << two;
  EXPECT_NE(two["leader"], first_leader) << two;
  EXPECT_EQ(two["not_serving"], nlohmann::json({first_leader + " (connection refused)"})) << two;

  // Crash a second one: the survivor stops serving.
  const int second = first == 1 ? 2 : 1;
  ensemble.Kill(second);
  const int survivor = 6 - first - second;
  const Facts one = PollUntil(
      servers,
      [survivor](const Facts& f) {
        return f["quorum"] == false && f["servers"][survivor - 1]["mode"] == "not serving";
      },
      seconds(60));
  EXPECT_EQ(one["quorum"], false) << one;
  EXPECT_EQ(one["leader"], "") << one;
  EXPECT_EQ(one["serving_count"], 0) << one;
  EXPECT_EQ(one["servers"][survivor - 1]["mode"], "not serving") << one;
  const auto& not_serving = one["not_serving"];
  for (const int dead : {first, second}) {
    const std::string expected = servers[dead - 1] + " (connection refused)";
    EXPECT_NE(std::find(not_serving.begin(), not_serving.end(), expected), not_serving.end())
        << expected << " missing from " << not_serving;
  }
  EXPECT_EQ(one["detail"].get<std::string>().rfind("no leader; 0 of 3 serving; not serving: ", 0),
            0u)
      << one["detail"];
}

TEST(ZookeeperIntegrationTest, StandaloneServer) {
  testing::ZookeeperEnsemble ensemble(1);
  ASSERT_TRUE(ensemble.Start()) << ensemble.error();
  ASSERT_TRUE(ensemble.WaitUntilQuorum(seconds(60))) << ensemble.error() << "\n" << ensemble.Log(1);
  Result<Facts> facts = RunZookeeper(ensemble.addresses());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["quorum"], true) << *facts;
  EXPECT_EQ((*facts)["servers"][0]["mode"], "standalone");
  EXPECT_EQ((*facts)["detail"], "standalone 127.0.0.11:2181; 1 of 1 serving");
}

}  // namespace
}  // namespace flightcheck
