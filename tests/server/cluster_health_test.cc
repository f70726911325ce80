#include "server/cluster_health.h"

#include <gtest/gtest.h>

namespace flightcheck::server {
namespace {

nlohmann::json ReportWith(nlohmann::json units) {
  return {{"units", std::move(units)},
          {"hostname", "h"},
          {"ip", "x"},
          {"dcos_version", ""},
          {"node_role", "agent"},
          {"mesos_id", ""},
          {"dcos_diagnostics_version", "0"}};
}

NodePoll Answered(std::string ip, std::string role, nlohmann::json units) {
  NodePoll poll;
  poll.ip = std::move(ip);
  poll.role = std::move(role);
  poll.report = ReportWith(std::move(units));
  return poll;
}

NodePoll Failed(std::string ip, std::string error) {
  NodePoll poll;
  poll.ip = std::move(ip);
  poll.role = "agent";
  poll.error = std::move(error);
  return poll;
}

nlohmann::json Unit(std::string id, int health, std::string output = "") {
  return {{"id", std::move(id)}, {"health", health}, {"output", std::move(output)},
          {"description", "d"},  {"help", ""},       {"name", "N"}};
}

TEST(ClusterHealthTest, UnansweredNodesAreUnknownAndKept) {
  const ClusterHealth tree = ClusterHealth::Build(
      {Answered("10.0.0.1", "master", {Unit("a.service", 0), Unit("b.service", 1, "broken")}),
       Answered("10.0.0.2", "agent", {Unit("a.service", 0)}),
       Failed("10.0.0.3", "no answer within 1000 ms"),
       Answered("10.0.0.4", "agent", nlohmann::json::array()),
       [] {
         NodePoll garbage;
         garbage.ip = "10.0.0.5";
         garbage.role = "agent";
         garbage.report = nlohmann::json{{"units", "not a list"}};
         return garbage;
       }()},
      "2026-12-01T00:00:00Z");
  EXPECT_EQ(tree.Nodes(), nlohmann::json::parse(R"({"nodes": [
      {"host_ip": "10.0.0.1", "health": 1, "role": "master"},
      {"host_ip": "10.0.0.2", "health": 0, "role": "agent"},
      {"host_ip": "10.0.0.3", "health": 3, "role": "agent"},
      {"host_ip": "10.0.0.4", "health": 0, "role": "agent"},
      {"host_ip": "10.0.0.5", "health": 3, "role": "agent"}]})"));
  EXPECT_EQ(tree.Units(), nlohmann::json::parse(R"({"units": [
      {"id": "a.service", "name": "N", "health": 0, "description": "d"},
      {"id": "b.service", "name": "N", "health": 1, "description": "d"}]})"));
  EXPECT_EQ(*tree.UnitNodes("a.service"), nlohmann::json::parse(R"({"nodes": [
      {"host_ip": "10.0.0.1", "health": 0, "role": "master"},
      {"host_ip": "10.0.0.2", "health": 0, "role": "agent"}]})"));
  const nlohmann::json on_node = *tree.UnitOnNode("b.service", "10.0.0.1");
  EXPECT_EQ(on_node.size(), 5u);  // host_ip, health, role, output, help (3DT §2.2d)
  EXPECT_EQ(on_node["output"], "broken");
  EXPECT_EQ(tree.NodeUnit("10.0.0.1", "b.service")->size(), 6u);
  EXPECT_EQ(tree.Unit("c.service"), std::nullopt);
  EXPECT_EQ(tree.Node("10.9.9.9"), std::nullopt);
  EXPECT_EQ(tree.UnitOnNode("a.service", "10.0.0.3"), std::nullopt);
  const nlohmann::json report = tree.Report();
  EXPECT_EQ(report["Nodes"]["10.0.0.3"]["Error"], "no answer within 1000 ms");
  EXPECT_EQ(report["Nodes"]["10.0.0.5"]["Error"],
            "not a node report: the answer has no 'units' array");
  EXPECT_EQ(report["Units"]["b.service"]["Health"], 1);
  EXPECT_EQ(report["UpdatedTime"], "2026-12-01T00:00:00Z");
}

TEST(ClusterHealthTest, AUnitWithoutAClearZeroIsUnhealthy) {
  Result<std::vector<UnitHealth>> units = UnitsOfNodeReport(ReportWith(
      {{{"id", "a.service"}, {"health", "0"}}, {{"id", "b.service"}}, Unit("c.service", 0)}));
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 3u);
  EXPECT_EQ((*units)[0].health, 1);
  EXPECT_EQ((*units)[1].health, 1);
  EXPECT_EQ((*units)[2].health, 0);
  EXPECT_EQ(UnitsOfNodeReport(ReportWith({{{"health", 0}}})).error().message(),
            "a unit of the answer has no string 'id'");
  EXPECT_EQ(UnitsOfNodeReport(nlohmann::json::array()).error().message(),
            "the answer is not a JSON object");
}

}  // namespace
}  // namespace flightcheck::server
