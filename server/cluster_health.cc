#include "server/cluster_health.h"

#include <algorithm>

#include <fmt/format.h>

namespace flightcheck::server {
namespace {

constexpr char kHelp[] =
    "Run `journalctl -xu <unit>` on the node, or `flightcheck check --phase health` there, for "
    "the unit's whole story.";

nlohmann::json NodeListItem(const NodeHealth& node) {
  return {{"host_ip", node.ip}, {"health", node.health}, {"role", node.role}};
}

nlohmann::json UnitOnNodeJson(const UnitHealth& unit, bool with_name) {
  nlohmann::json json = {{"id", unit.id},
                         {"health", unit.health},
                         {"output", unit.output},
                         {"description", unit.description},
                         {"help", kHelp}};
  if (with_name) json["name"] = unit.name;
  return json;
}

}  // namespace

Result<std::vector<UnitHealth>> UnitsOfNodeReport(const nlohmann::json& report) {
  if (!report.is_object()) return Status::InvalidArgument("the answer is not a JSON object");
  const auto list = report.find("units");
  if (list == report.end() || !list->is_array()) {
    return Status::InvalidArgument("the answer has no 'units' array");
  }
  std::vector<UnitHealth> units;
  for (const nlohmann::json& item : *list) {
    const auto id = item.is_object() ? item.find("id") : item.end();
    if (!item.is_object() || id == item.end() || !id->is_string() || id->empty()) {
      return Status::InvalidArgument("a unit of the answer has no string 'id'");
    }
    UnitHealth unit;
    unit.id = id->get<std::string>();
    auto text = [&item](const char* key) {
      const auto it = item.find(key);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    unit.name = text("name");
    unit.description = text("description");
    unit.output = text("output");
    const auto health = item.find("health");
    unit.health = health != item.end() && health->is_number_integer() && *health == 0 ? 0 : 1;
    units.push_back(std::move(unit));
  }
  return units;
}

ClusterHealth ClusterHealth::Build(const std::vector<NodePoll>& polls, std::string updated_time) {
  ClusterHealth tree;
  tree.updated_time_ = std::move(updated_time);
  for (const NodePoll& poll : polls) {
    NodeHealth node;
    node.ip = poll.ip;
    node.role = poll.role;
    node.error = poll.error;
    if (poll.report) {
      Result<std::vector<UnitHealth>> units = UnitsOfNodeReport(*poll.report);
      if (units) {
        node.units = std::move(*units);
        node.health = std::any_of(node.units.begin(), node.units.end(),
                                  [](const UnitHealth& u) { return u.health != 0; })
                          ? 1
                          : 0;
        node.error.clear();
        const auto hostname = poll.report->find("hostname");
        if (hostname != poll.report->end() && hostname->is_string()) node.hostname = *hostname;
      } else {
        node.error = fmt::format("not a node report: {}", units.error().message());
      }
    }
    tree.nodes_.push_back(std::move(node));
  }
  for (size_t i = 0; i < tree.nodes_.size(); ++i) {
    for (const UnitHealth& unit : tree.nodes_[i].units) {
      UnitSummary& summary = tree.units_[unit.id];
      if (summary.nodes.empty()) {
        summary.name = unit.name;
        summary.description = unit.description;
      }
      summary.health = std::max(summary.health, unit.health);
      summary.nodes.push_back(i);
    }
  }
  return tree;
}

const NodeHealth* ClusterHealth::FindNode(const std::string& ip) const {
  for (const NodeHealth& node : nodes_) {
    if (node.ip == ip) return &node;
  }
  return nullptr;
}

const UnitHealth* ClusterHealth::FindUnit(const NodeHealth& node, const std::string& id) {
  for (const UnitHealth& unit : node.units) {
    if (unit.id == id) return &unit;
  }
  return nullptr;
}

nlohmann::json ClusterHealth::UnitListItem(const std::string& id, const UnitSummary& unit) {
  return {
      {"id", id}, {"name", unit.name}, {"health", unit.health}, {"description", unit.description}};
}

nlohmann::json ClusterHealth::Report() const {
  nlohmann::json units = nlohmann::json::object();
  for (const auto& [id, unit] : units_) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i : unit.nodes) nodes.push_back(NodeListItem(nodes_[i]));
    units[id] = {{"UnitName", id},     {"Nodes", std::move(nodes)},  {"Health", unit.health},
                 {"Title", unit.name}, {"Timestamp", updated_time_}, {"PrettyName", unit.name}};
  }
  nlohmann::json nodes = nlohmann::json::object();
  for (const NodeHealth& node : nodes_) {
    nlohmann::json output = nlohmann::json::object();
    nlohmann::json list = nlohmann::json::array();
    for (const UnitHealth& unit : node.units) {
      output[unit.id] = unit.output;
      list.push_back(UnitOnNodeJson(unit, true));
    }
    nodes[node.ip] = {{"Leader", false},       {"Role", node.role},     {"IP", node.ip},
                      {"Host", node.hostname}, {"Health", node.health}, {"Output", output},
                      {"Units", list},         {"MesosID", ""},         {"Error", node.error}};
  }
  return {{"Units", units}, {"Nodes", nodes}, {"UpdatedTime", updated_time_}};
}

nlohmann::json ClusterHealth::Units() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, unit] : units_) list.push_back(UnitListItem(id, unit));
  return {{"units", list}};
}

std::optional<nlohmann::json> ClusterHealth::Unit(const std::string& id) const {
  const auto it = units_.find(id);
  if (it == units_.end()) return std::nullopt;
  return UnitListItem(id, it->second);
}

std::optional<nlohmann::json> ClusterHealth::UnitNodes(const std::string& id) const {
  const auto it = units_.find(id);
  if (it == units_.end()) return std::nullopt;
  nlohmann::json list = nlohmann::json::array();
  for (size_t i : it->second.nodes) {
    const NodeHealth& node = nodes_[i];
    nlohmann::json item = NodeListItem(node);
    item["health"] = FindUnit(node, id)->health;  // the unit's health there, not the node's
    list.push_back(std::move(item));
  }
  return nlohmann::json{{"nodes", list}};
}

std::optional<nlohmann::json> ClusterHealth::UnitOnNode(const std::string& id,
                                                        const std::string& ip) const {
  const NodeHealth* node = FindNode(ip);
  const UnitHealth* unit = node ? FindUnit(*node, id) : nullptr;
  if (unit == nullptr) return std::nullopt;
  return nlohmann::json{{"host_ip", node->ip},
                        {"health", unit->health},
                        {"role", node->role},
                        {"output", unit->output},
                        {"help", kHelp}};
}

nlohmann::json ClusterHealth::Nodes() const {
  nlohmann::json list = nlohmann::json::array();
  for (const NodeHealth& node : nodes_) list.push_back(NodeListItem(node));
  return {{"nodes", list}};
}

std::optional<nlohmann::json> ClusterHealth::Node(const std::string& ip) const {
  const NodeHealth* node = FindNode(ip);
  if (node == nullptr) return std::nullopt;
  return NodeListItem(*node);
}

std::optional<nlohmann::json> ClusterHealth::NodeUnits(const std::string& ip) const {
  const NodeHealth* node = FindNode(ip);
  if (node == nullptr) return std::nullopt;
  nlohmann::json list = nlohmann::json::array();
  for (const UnitHealth& unit : node->units) {
    list.push_back({{"id", unit.id},
                    {"name", unit.name},
                    {"health", unit.health},
                    {"description", unit.description}});
  }
  return nlohmann::json{{"units", list}};
}

std::optional<nlohmann::json> ClusterHealth::NodeUnit(const std::string& ip,
                                                      const std::string& id) const {
  const NodeHealth* node = FindNode(ip);
  const UnitHealth* unit = node ? FindUnit(*node, id) : nullptr;
  if (unit == nullptr) return std::nullopt;
  return UnitOnNodeJson(*unit, true);
}

}  // namespace flightcheck::server
