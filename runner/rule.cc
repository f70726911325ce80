#include "runner/rule.h"

#include <algorithm>

namespace flightcheck {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kFail:
      return "fail";
    case Severity::kWarn:
      return "warn";
    case Severity::kInfo:
      return "info";
  }
  return "fail";
}

const std::vector<std::string>& KnownPhases() {
  static const std::vector<std::string> kPhases = {"preflight", "postflight", "health"};
  return kPhases;
}

const std::vector<std::string>& KnownRoles() {
  static const std::vector<std::string> kRoles = {"bootstrap", "master", "agent", "public_agent"};
  return kRoles;
}

std::optional<std::string> NormalizeRole(std::string_view role) {
  if (role == "slave") return "agent";
  if (role == "slave_public") return "public_agent";
  const auto& roles = KnownRoles();
  if (std::find(roles.begin(), roles.end(), role) != roles.end()) return std::string(role);
  return std::nullopt;
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const Rule& rule : rules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

}  // namespace flightcheck
