// The rule sets shipped inside the flightcheck binary (rules/*.yaml, embedded at build time).
#pragma once

#include <string_view>
#include <vector>

namespace flightcheck {

struct BuiltinRuleFile {
  std::string_view name;  // "rules/preflight.yaml": used in diagnostics and `rules show`
  std::string_view text;
};

// Every built-in rule file, in a fixed order: what `flightcheck check` runs without --rules.
// Static storage; safe from any thread.
const std::vector<BuiltinRuleFile>& BuiltinRuleFiles();

// The rule files genconf adds to every install artifact, builtin_rules or not
// (rules/ip-detect.yaml: they need the variables only an artifact's install.sh and the coordinator
// set, so a plain local `flightcheck check` must not run them). Static storage; safe from any
// thread.
const std::vector<BuiltinRuleFile>& ArtifactRuleFiles();

// rules/bundle.yaml: the built-in sources of support bundles (kind BundleSources, not a rule set;
// runner/bundle_sources.h reads it).
const std::vector<BuiltinRuleFile>& BundleSourceFiles();

// dist/ files genconf ships in every artifact: "dist/flightcheck-health@.service", the health
// daemon's unit, which install.sh installs when the config sets health_daemon: true.
const std::vector<BuiltinRuleFile>& DistFiles();

}  // namespace flightcheck
