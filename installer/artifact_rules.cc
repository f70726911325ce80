#include "installer/artifact_rules.h"

#include <algorithm>

#include <fmt/format.h>

#include "runner/selection.h"
#include "runner/spellcheck.h"

namespace flightcheck {

std::vector<SourceFile> ArtifactRuleSources(bool builtin_rules,
                                            const std::vector<std::filesystem::path>& custom_rules,
                                            DiagnosticList* diagnostics) {
  std::vector<SourceFile> files;
  if (builtin_rules) files = BuiltinRuleSources();
  std::vector<std::string> custom;
  for (const std::filesystem::path& path : custom_rules) custom.push_back(path.string());
  for (SourceFile& file : ReadRuleFiles(custom, diagnostics)) files.push_back(std::move(file));
  return files;
}

std::string SkipEntryProblem(std::string_view entry, const std::vector<Rule>& rules) {
  const std::string pattern(entry);
  std::vector<std::string> ids;
  bool named = false;
  for (const Rule& rule : rules) {
    if (rule.phase != "preflight" && rule.phase != "postflight") continue;
    ids.push_back(rule.id);
    named = named || MatchesAnyPattern(rule.id, {pattern});
  }
  if (named && pattern.find(',') == std::string::npos) return "";
  return fmt::format("skip entry '{}' names no preflight or postflight rule{}", pattern,
                     DidYouMean(pattern, ids));
}

}  // namespace flightcheck
