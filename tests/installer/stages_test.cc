// The pure parts of the stages: grouping per-host failures by rule. The stages themselves run
// against real sshd hosts in tests/integration/fleet_test.cc.
#include "installer/stages.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

nlohmann::json Result(const std::string& id, const std::string& status, nlohmann::json facts,
                      nlohmann::json expect, const std::string& extra_key = "",
                      const std::string& extra_value = "") {
  nlohmann::json result = {{"id", id},         {"status", status},  {"facts", facts},
                           {"expect", expect}, {"hint", "Fix it."}, {"message", "the message"}};
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

TEST(GroupFailuresByRuleTest, OneLinePerRuleWithHostsAndObservedValues) {
  StageState state;
  const nlohmann::json ok = Result("docker.version", "pass", {{"server_version", "24.0.5"}},
                                   {{"server_version", ">= 1.13.1"}});
  const auto old_docker = [](const std::string& version) {
    return Result("docker.version", "fail", {{"server_version", version}},
                  {{"server_version", ">= 1.13.1"}});
  };
  state.hosts.push_back(Host("10.0.0.1", {ok}));
  state.hosts.push_back(Host("10.0.0.4", {old_docker("1.12.6")}));
  state.hosts.push_back(Host("10.0.0.5", {old_docker("1.12.6")}));
  state.hosts.push_back(
      Host("10.0.0.6", {ok, Result("dns.resolvers-answer", "error", nullptr, nullptr, "error",
                                   "timeout: no answer within 5s")}));
  state.hosts.push_back(Host("10.0.0.7", {Result("zookeeper.quorum", "fail", nullptr, nullptr,
                                                 "detail", "2 of 3 servers down")}));
  HostState unreachable;
  unreachable.address = "10.0.0.9";
  unreachable.status = HostStatus::kUnreachable;
  state.hosts.push_back(unreachable);

  EXPECT_EQ(GroupFailuresByRule(state),
            "docker.version failed on 2 of 4 hosts: 10.0.0.4 (1.12.6), 10.0.0.5 (1.12.6)\n"
            "      hint: Fix it.\n"
            "zookeeper.quorum failed on 1 of 1 hosts: 10.0.0.7 (2 of 3 servers down)\n"
            "      hint: Fix it.\n"
            "dns.resolvers-answer could not be evaluated on 1 of 1 hosts: 10.0.0.6 (timeout: no "
            "answer within 5s)\n"
            "      hint: Fix it.\n");
}

TEST(GroupFailuresByRuleTest, NothingWhenEveryRulePassed) {
  StageState state;
  state.hosts.push_back(Host("10.0.0.1", {Result("a", "pass", nullptr, nullptr)}));
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
