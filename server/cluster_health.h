// The cluster's health as 3DT's aggregator (on masters) keeps it: every node's report, polled,
// merged into a tree of units and nodes (reference: 3DT §2.4). Builds the JSON of every
// `/system/health/v1/{report,units,nodes}...` route.
//
// A node that did not answer, answered non-200 or answered something that is not a node report is
// listed with health 3 (unknown) and no units, never dropped. A node's health is 1 when any of its
// units is unhealthy; a unit's health is the worst over the nodes that report it.
//
// Pure, immutable once built; thread-safe to read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"
#include "server/node_report.h"

namespace flightcheck::server {

// One node's answer to a poll.
struct NodePoll {
  std::string ip{};
  std::string role{};                      // the role the node list gives it ("master", ...)
  std::optional<nlohmann::json> report{};  // the parsed node report; nullopt when the poll failed
  std::string error{};                     // why it failed: "timed out after 3s", "HTTP 500", ...
};

struct NodeHealth {
  std::string ip{};
  std::string role{};
  std::string hostname{};
  int health = 3;
  std::string error{};  // why the health is 3
  std::vector<UnitHealth> units{};
};

class ClusterHealth {
 public:
  // updated_time: when the polls finished, RFC 3339.
  static ClusterHealth Build(const std::vector<NodePoll>& polls, std::string updated_time);

  const std::string& updated_time() const { return updated_time_; }
  const std::vector<NodeHealth>& nodes() const { return nodes_; }

  // The routes' bodies; nullopt when the id is unknown (the route answers 404 "<id> not found").
  nlohmann::json Report() const;                                    // /report
  nlohmann::json Units() const;                                     // /units
  std::optional<nlohmann::json> Unit(const std::string& id) const;  // /units/<id>
  std::optional<nlohmann::json> UnitNodes(const std::string& id) const;
  std::optional<nlohmann::json> UnitOnNode(const std::string& id, const std::string& ip) const;
  nlohmann::json Nodes() const;  // /nodes
  std::optional<nlohmann::json> Node(const std::string& ip) const;
  std::optional<nlohmann::json> NodeUnits(const std::string& ip) const;
  std::optional<nlohmann::json> NodeUnit(const std::string& ip, const std::string& id) const;

 private:
  struct UnitSummary {
    std::string name;
    std::string description;
    int health = 0;
    std::vector<size_t> nodes;  // indexes into nodes_
  };

  const NodeHealth* FindNode(const std::string& ip) const;
  static const UnitHealth* FindUnit(const NodeHealth& node, const std::string& id);
  static nlohmann::json UnitListItem(const std::string& id, const UnitSummary& unit);

  std::string updated_time_{};
  std::vector<NodeHealth> nodes_;
  std::map<std::string, UnitSummary> units_;
};

// Parses one node's answer: its units, when the body is a node report (an object whose `units` is
// an array of objects with a string `id`); InvalidArgument naming what is wrong otherwise.
Result<std::vector<UnitHealth>> UnitsOfNodeReport(const nlohmann::json& report);

}  // namespace flightcheck::server
