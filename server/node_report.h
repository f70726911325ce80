// The node's own health report, as 3DT's `GET /system/health/v1` gives it, from the results of a
// health run: exactly the seven top-level keys (units, hostname, ip, dcos_version, node_role,
// mesos_id, dcos_diagnostics_version) and six keys per unit (id, health, output, description,
// help, name). DC/OS's UI, CLI and the masters' pullers read this shape.
//
// Units come from the `units` fact of every result whose probe is `systemd_unit` (the probe
// computes health and output by 3DT's rules). A unit named by two rules is listed once. A
// systemd_unit rule that could not read its units (an error: no bus, a timeout) is listed as an
// unhealthy unit named by the rule id, with "could not check: <why>" as its output: 3DT dropped
// such units silently, which a master then counted as healthy.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/report.h"

namespace flightcheck::server {

// Who this node is, for the report's identity keys.
struct NodeIdentity {
  std::string hostname{};
  std::string ip{};
  std::string role{};  // "master", "agent" or "agent_public" (3DT's words)
  std::string dcos_version{};
  std::string mesos_id{};
  std::string version{};  // flightcheck's, as dcos_diagnostics_version
};

struct UnitHealth {
  std::string id{};  // unit file name: "dcos-mesos-master.service"
  std::string name{};
  std::string description{};
  int health = 0;  // 0 healthy, 1 unhealthy (3DT never gives units 3)
  std::string output{};
};

// The units the report's systemd_unit results describe, in the order first seen.
std::vector<UnitHealth> UnitsOfReport(const Report& report);

// The 3DT node report.
nlohmann::json NodeReportJson(const NodeIdentity& node, const std::vector<UnitHealth>& units);

// The role words 3DT uses for flightcheck's roles: master → master, agent → agent,
// public_agent (and agent_public) → agent_public; anything else is returned unchanged.
std::string DcosRoleName(const std::string& role);

}  // namespace flightcheck::server
