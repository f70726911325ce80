// The pure parts of the stages: grouping per-host failures by rule. The stages themselves run
// against real sshd hosts in tests/integration/fleet_test.cc.
#include "installer/stages.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

// A result as the engine reports it: its message names the fact, the value and the expectation.
nlohmann::json Result(const std::string& id, const std::string& status, const std::string& message,
                      const std::string& extra_key = "", const std::string& extra_value = "") {
  nlohmann::json result = {
      {"id", id}, {"status", status}, {"hint", "Fix it."}, {"message", message}};
  if (!extra_key.empty()) result[extra_key] = extra_value;
  return result;
}

HostState Host(const std::string& address, std::vector<nlohmann::json> results) {
  HostState host;
  host.address = address;
  host.role = "agent";
  host.status = HostStatus::kFailed;
  host.report = {{"results", results}, {"exit_code", 2}};
  return host;
}

TEST(GroupFailuresByRuleTest, OneLinePerRuleSaidOnceWhenTheHostsAgree) {
  StageState state;
  const nlohmann::json ok = Result("docker.version", "pass", "server_version 24.0.5");
  const auto docker = [](const std::string& version) {
    return Result("docker.version", "fail",
                  "server_version is " + version + ", expected >= 1.13.1");
  };
  const nlohmann::json small = Result("resources.master", "warn", "cpus is 2, expected >= 4");
  state.hosts.push_back(Host("10.0.0.1", {ok, small}));
  state.hosts.push_back(Host("10.0.0.4", {docker("1.12.6"), small}));
  state.hosts.push_back(Host("10.0.0.5", {docker("1.12.6"), small}));
  state.hosts.push_back(Host("10.0.0.6", {ok, Result("dns.resolvers-answer", "error", "", "error",
                                                     "timeout: no answer within 5s")}));
  state.hosts.push_back(Host("10.0.0.7", {docker("1.11.2")}));
  state.hosts.push_back(Host("10.0.0.8", {docker("1.10.0")}));
  state.hosts.push_back(Host("10.0.0.9", {Result("zookeeper.quorum", "fail", "quorum false",
                                                 "detail", "2 of 3 servers down")}));
  HostState unreachable;
  unreachable.address = "10.0.0.10";
  unreachable.status = HostStatus::kUnreachable;
  state.hosts.push_back(unreachable);
  // What a host may send instead of a report entry does not stop the grouping.
  state.hosts.push_back(Host("10.0.0.11", {nlohmann::json("garbage"), {{"id", 5}}}));

  EXPECT_EQ(GroupFailuresByRule(state),
            "docker.version failed on 4 of 6 hosts: 10.0.0.4 (server_version is 1.12.6, "
            "expected >= 1.13.1), 10.0.0.5 (server_version is 1.12.6, expected >= 1.13.1), "
            "10.0.0.7 (server_version is 1.11.2, expected >= 1.13.1), 10.0.0.8 (server_version "
            "is 1.10.0, expected >= 1.13.1)\n"
            "      hint: Fix it.\n"
            "zookeeper.quorum failed on 1 of 1 hosts: 2 of 3 servers down\n"
            "      hint: Fix it.\n"
            "dns.resolvers-answer could not be evaluated on 1 of 1 hosts: timeout: no answer "
            "within 5s\n"
            "      hint: Fix it.\n"
            "resources.master warned on 3 of 3 hosts: cpus is 2, expected >= 4\n");

  // Agreeing hosts that are not all of them are named once, before what they share.
  state.hosts.resize(3);
  state.hosts.push_back(Host("10.0.0.6", {ok}));
  EXPECT_EQ(GroupFailuresByRule(state),
            "docker.version failed on 2 of 4 hosts (10.0.0.4, 10.0.0.5): server_version is "
            "1.12.6, expected >= 1.13.1\n"
            "      hint: Fix it.\n"
            "resources.master warned on 3 of 3 hosts: cpus is 2, expected >= 4\n");
}

TEST(GroupFailuresByRuleTest, NothingWhenEveryRulePassed) {
  StageState state;
  state.hosts.push_back(Host("10.0.0.1", {Result("a", "pass", "fine")}));
  EXPECT_EQ(GroupFailuresByRule(state), "");
}

TEST(TargetHostsTest, MastersThenAgentsThenPublicAgents) {
  ClusterConfig config;
  config.master_list = {"10.0.0.1"};
  config.agent_list = {"10.0.0.2", "10.0.0.3"};
  config.public_agent_list = {"10.0.0.4"};
  const std::vector<TargetHost> hosts = TargetHosts(config);
  ASSERT_EQ(hosts.size(), 4u);
  EXPECT_EQ(hosts[0].role, "master");
  EXPECT_EQ(hosts[2].address, "10.0.0.3");
  EXPECT_EQ(hosts[3].role, "public_agent");
}

}  // namespace
}  // namespace flightcheck
