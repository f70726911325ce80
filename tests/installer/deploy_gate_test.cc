#include "installer/deploy_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flightcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

HostState Host(const std::string& address, HostStatus status, nlohmann::json report = nullptr) {
  HostState host;
  host.address = address;
  host.status = status;
  host.report = std::move(report);
  return host;
}

StageState Preflight(std::vector<HostState> hosts, std::string hash = "h1") {
  StageState state;
  state.stage = "preflight";
  state.config_hash = std::move(hash);
  state.hosts = std::move(hosts);
  return state;
}

const std::vector<FanOutTarget> kTargets = {{"10.0.0.1", "master"}, {"10.0.0.2", "agent"}};

TEST(DeployGateTest, SuccessAndInstalledClearAHost) {
  EXPECT_THAT(HostsNotClearedForDeploy(kTargets,
                                       Preflight({Host("10.0.0.1", HostStatus::kSuccess),
                                                  Host("10.0.0.2", HostStatus::kInstalled)}),
                                       "h1"),
              IsEmpty());
}

TEST(DeployGateTest, NoPreflightOrAnotherConfigurationClearsNothing) {
  EXPECT_THAT(HostsNotClearedForDeploy(kTargets, std::nullopt, "h1"),
              ElementsAre("10.0.0.1 (no preflight of this configuration)",
                          "10.0.0.2 (no preflight of this configuration)"));
  EXPECT_THAT(HostsNotClearedForDeploy(kTargets,
                                       Preflight({Host("10.0.0.1", HostStatus::kSuccess),
                                                  Host("10.0.0.2", HostStatus::kSuccess)},
                                                 "h0"),
                                       "h1"),
              ElementsAre("10.0.0.1 (no preflight of this configuration)",
                          "10.0.0.2 (no preflight of this configuration)"));
}

TEST(DeployGateTest, EachUnclearedHostSaysWhyAndNamesTheFailedRules) {
  const nlohmann::json report = {{"results",
                                  {{{"id", "docker.version"}, {"status", "fail"}},
                                   {{"id", "dns.resolvers"}, {"status", "error"}},
                                   {{"id", "kernel.version"}, {"status", "pass"}},
                                   {{"id", 7}, {"status", "fail"}},
                                   "garbage"}}};
  EXPECT_THAT(HostsNotClearedForDeploy(
                  {{"10.0.0.1", "master"}, {"10.0.0.2", "agent"}, {"10.0.0.3", "agent"}},
                  Preflight({Host("10.0.0.1", HostStatus::kFailed, report),
                             Host("10.0.0.2", HostStatus::kUnreachable)}),
                  "h1"),
              ElementsAre("10.0.0.1 (failed: docker.version, dns.resolvers)",
                          "10.0.0.2 (unreachable)", "10.0.0.3 (not checked)"));
}

}  // namespace
}  // namespace flightcheck
