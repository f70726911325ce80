#include "server/node_report.h"

#include <set>

namespace flightcheck::server {
namespace {

std::string StringOr(const nlohmann::json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

}  // namespace

std::vector<UnitHealth> UnitsOfReport(const Report& report) {
  std::vector<UnitHealth> units;
  std::set<std::string> seen;
  for (const RuleResult& result : report.results) {
    if (result.probe != "systemd_unit") continue;
    const auto list = result.facts.is_object() ? result.facts.find("units") : result.facts.end();
    if (list == result.facts.end() || !list->is_array()) {
      // The units could not be read (no bus, a timeout): not "no units, so healthy". The rule
      // stands in as an unhealthy unit, so that the node and the cluster tree say so.
      if (seen.insert(result.id).second) {
        units.push_back({.id = result.id,
                         .name = result.title.empty() ? result.id : result.title,
                         .description = "the units of this rule could not be read",
                         .health = 1,
                         .output = "could not check: " +
                                   (result.error.empty() ? result.message : result.error)});
      }
      continue;
    }
    for (const nlohmann::json& unit : *list) {
      if (!unit.is_object()) continue;
      UnitHealth health;
      health.id = StringOr(unit, "id", "");
      if (health.id.empty() || !seen.insert(health.id).second) continue;
      health.name = StringOr(unit, "name", health.id);
      health.description = StringOr(unit, "description", "");
      health.output = StringOr(unit, "output", "");
      const auto value = unit.find("health");
      // Anything but a clear 0 is unhealthy: a unit the probe could not judge is not healthy.
      health.health = value != unit.end() && value->is_number_integer() && *value == 0 ? 0 : 1;
      units.push_back(std::move(health));
    }
  }
  return units;
}

nlohmann::json NodeReportJson(const NodeIdentity& node, const std::vector<UnitHealth>& units) {
  nlohmann::json list = nlohmann::json::array();
  for (const UnitHealth& unit : units) {
    list.push_back({{"id", unit.id},
                    {"health", unit.health},
                    {"output", unit.output},
                    {"description", unit.description},
                    {"help", ""},
                    {"name", unit.name}});
  }
  return {{"units", std::move(list)},
          {"hostname", node.hostname},
          {"ip", node.ip},
          {"dcos_version", node.dcos_version},
          {"node_role", node.role},
          {"mesos_id", node.mesos_id},
          {"dcos_diagnostics_version", node.version}};
}

std::string DcosRoleName(const std::string& role) {
  if (role == "public_agent" || role == "agent_public" || role == "slave_public") {
    return "agent_public";
  }
  if (role == "slave") return "agent";
  return role;
}

}  // namespace flightcheck::server
