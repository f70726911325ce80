// The rule model: what a loaded rule file holds. Built by the rule loader, immutable afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/deadline.h"
#include "runner/matcher.h"

namespace flightcheck {

enum class Severity { kFail, kWarn, kInfo };
std::string_view SeverityName(Severity severity);

// The phases and roles rules can name. "slave" and "slave_public" (DC/OS) are accepted as
// aliases of agent and public_agent by NormalizeRole.
const std::vector<std::string>& KnownPhases();
const std::vector<std::string>& KnownRoles();
std::optional<std::string> NormalizeRole(std::string_view role);

struct SourceLocation {
  std::string path;
  int line = 0;
  int column = 0;
};

struct RetryPolicy {
  Milliseconds within{0};  // keep trying until this long after the first attempt
  Milliseconds every{0};   // pause between attempts
};

struct Rule {
  std::string id;
  std::string title;
  std::string description;
  std::string hint;
  std::string phase;               // the rule's own or its file's
  std::vector<std::string> roles;  // empty: every role
  std::vector<std::string> tags;
  std::vector<std::string> requirements;  // ids from `requires`
  Severity severity = Severity::kFail;
  std::string probe;
  nlohmann::json params = nlohmann::json::object();  // may hold ${variables}
  Expectation expect;
  std::optional<Milliseconds> timeout;  // the probe's default otherwise
  std::optional<RetryPolicy> retry;
  SourceLocation location;
};

struct RuleSet {
  std::vector<Rule> rules;  // in file order, files in the order given

  const Rule* Find(std::string_view id) const;
};

}  // namespace flightcheck
