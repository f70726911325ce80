// The rule sets shipped inside the flightcheck binary (rules/*.yaml, embedded at build time).
#pragma once

#include <string_view>
#include <vector>

namespace flightcheck {

struct BuiltinRuleFile {
  std::string_view name;  // "rules/preflight.yaml": used in diagnostics and `rules show`
  std::string_view text;
};

// Every built-in rule file, in a fixed order. Static storage; safe from any thread.
const std::vector<BuiltinRuleFile>& BuiltinRuleFiles();

}  // namespace flightcheck
