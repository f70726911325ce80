#include "server/node_report.h"

#include <gtest/gtest.h>

namespace flightcheck::server {
namespace {

RuleResult UnitResult(std::string id, nlohmann::json units) {
  RuleResult result;
  result.id = std::move(id);
  result.probe = "systemd_unit";
  result.facts = {{"units", std::move(units)}};
  return result;
}

TEST(NodeReportTest, ExactlyThe3dtKeys) {
  Report report;
  report.results.push_back(UnitResult(
      "health.units", {{{"id", "dcos-a.service"},
                        {"name", "A"},
                        {"description", "does a"},
                        {"health", 0},
                        {"output", ""}},
                       {{"id", "dcos-b.service"}, {"health", 1}, {"output", "b failed"}}}));
  // The same unit named by a second rule is listed once; facts of other probes are ignored.
  report.results.push_back(UnitResult("health.more", {{{"id", "dcos-a.service"}, {"health", 1}}}));
  RuleResult other;
  other.probe = "file";
  other.facts = {{"units", {{{"id", "x"}}}}};
  report.results.push_back(other);
  const std::vector<UnitHealth> units = UnitsOfReport(report);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[1].name, "dcos-b.service");  // no name: the id, as 3DT
  const nlohmann::json json = NodeReportJson({.hostname = "h1",
                                              .ip = "10.0.0.1",
                                              .role = "master",
                                              .dcos_version = "2.2",
                                              .mesos_id = "",
                                              .version = "0.1.0"},
                                             units);
  EXPECT_EQ(json.size(), 7u);
  for (const char* key : {"units", "hostname", "ip", "dcos_version", "node_role", "mesos_id",
                          "dcos_diagnostics_version"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  ASSERT_EQ(json["units"].size(), 2u);
  EXPECT_EQ(json["units"][0], nlohmann::json::parse(R"({"id": "dcos-a.service", "health": 0,
      "output": "", "description": "does a", "help": "", "name": "A"})"));
  EXPECT_EQ(json["units"][1]["health"], 1);
}

TEST(NodeReportTest, UnitsThatCouldNotBeReadAreUnhealthyNotMissing) {
  Report report;
  RuleResult errored;
  errored.id = "health.units";
  errored.title = "The product's systemd units are healthy";
  errored.probe = "systemd_unit";
  errored.status = RuleStatus::kError;
  errored.error = "unavailable: cannot connect to the systemd manager at unix:path=/x";
  report.results.push_back(errored);
  const std::vector<UnitHealth> units = UnitsOfReport(report);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].id, "health.units");
  EXPECT_EQ(units[0].health, 1);
  EXPECT_EQ(units[0].output,
            "could not check: unavailable: cannot connect to the systemd manager at unix:path=/x");
}

TEST(NodeReportTest, RoleWords) {
  EXPECT_EQ(DcosRoleName("public_agent"), "agent_public");
  EXPECT_EQ(DcosRoleName("slave_public"), "agent_public");
  EXPECT_EQ(DcosRoleName("slave"), "agent");
  EXPECT_EQ(DcosRoleName("master"), "master");
}

}  // namespace
}  // namespace flightcheck::server
