// Which rule files the install artifact packs, and what a skip_checks entry must name in them.
// genconf packs them (genconf.cc, artifact.cc) and validate-config refuses what genconf would
// (cluster_config.cc), with this one definition.
//
// ArtifactRuleSources reads the custom_rules files; SkipEntryProblem is pure. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runner/diagnostics.h"
#include "runner/rule.h"
#include "runner/rule_loader.h"

namespace flightcheck {

// The built-in rule sets unless builtin_rules is false, then the custom_rules files (a directory
// as its *.yaml and *.yml files) in order. A custom file that cannot be read is a diagnostic.
std::vector<SourceFile> ArtifactRuleSources(bool builtin_rules,
                                            const std::vector<std::filesystem::path>& custom_rules,
                                            DiagnosticList* diagnostics);

// "" when entry (a rule id or glob) matches a preflight or postflight rule of rules; otherwise
// "skip entry 'x' names no preflight or postflight rule", with " (did you mean 'y'?)" when one
// of those rules' ids is close. An entry with a comma names none: install.env passes the entries
// to --skip as one comma list.
std::string SkipEntryProblem(std::string_view entry, const std::vector<Rule>& rules);

}  // namespace flightcheck
