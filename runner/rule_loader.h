// Loading and validating rule files.
//
// Every problem found is reported as a Diagnostic with file:line:col, the source line and a caret,
// and a "did you mean" for unknown keys, probes, parameters, facts, matchers, roles and rule ids.
// Unknown keys, duplicate keys, duplicate ids, an empty expect, unknown requirements and
// requirement cycles are errors. A YAML syntax error ends that file (the parser cannot go on); all
// other errors of all files are collected. A RuleSet is usable only when there are no diagnostics:
// a broken rule file never runs.
#pragma once

#include <string>
#include <vector>

#include "checks/probe.h"
#include "runner/diagnostics.h"
#include "runner/rule.h"

namespace flightcheck {

struct LoadResult {
  RuleSet rules;
  DiagnosticList diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// Parses and validates the files as one rule set (ids are unique across files and `requires` may
// name rules of other files).
LoadResult LoadRules(const std::vector<SourceFile>& files, const ProbeRegistry& registry);

// Reads rule files: a file as it is, a directory as its *.yaml and *.yml files in name order.
// A path that cannot be read becomes a diagnostic.
std::vector<SourceFile> ReadRuleFiles(const std::vector<std::string>& paths,
                                      DiagnosticList* diagnostics);

// The rule sets compiled into the binary (rules/*.yaml).
std::vector<SourceFile> BuiltinRuleSources();

}  // namespace flightcheck
