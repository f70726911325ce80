#include "runner/selection.h"

#include <fnmatch.h>

#include <algorithm>

#include <fmt/format.h>

#include "checks/text.h"
#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

bool IsGlob(const std::string& name) { return name.find_first_of("*?[") != std::string::npos; }

}  // namespace

std::vector<std::string> SplitNameList(const std::vector<std::string>& values) {
  std::vector<std::string> names;
  for (const std::string& value : values) {
    for (std::string_view item : SplitFields(value, ",")) {
      if (!Trim(item).empty()) names.emplace_back(Trim(item));
    }
  }
  return names;
}

bool MatchesAnyPattern(const std::string& id, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0;
  });
}

Status CheckRuleNames(const RuleSet& rules, const std::string& flag,
                      const std::vector<std::string>& names) {
  std::vector<std::string> ids;
  for (const Rule& rule : rules.rules) ids.push_back(rule.id);
  for (const std::string& name : names) {
    if (IsGlob(name)) {
      if (std::none_of(ids.begin(), ids.end(),
                       [&](const std::string& id) { return MatchesAnyPattern(id, {name}); })) {
        return Status::InvalidArgument(fmt::format("{}: no rule matches '{}'", flag, name));
      }
      continue;
    }
    if (rules.Find(name) == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: no rule '{}'{}", flag, name, DidYouMean(name, ids)));
    }
  }
  return Status::Ok();
}

std::vector<const Rule*> SelectRules(const RuleSet& rules, const SelectionOptions& options) {
  std::vector<const Rule*> selected;
  for (const Rule& rule : rules.rules) {
    if (options.phase && rule.phase != *options.phase) continue;
    if (!rule.roles.empty()) {
      if (!options.role) continue;
      if (std::find(rule.roles.begin(), rule.roles.end(), *options.role) == rule.roles.end()) {
        continue;
      }
    }
    if (!options.tags.empty() &&
        std::none_of(rule.tags.begin(), rule.tags.end(), [&](const std::string& tag) {
          return std::find(options.tags.begin(), options.tags.end(), tag) != options.tags.end();
        })) {
      continue;
    }
    if (!options.only.empty() && !MatchesAnyPattern(rule.id, options.only)) continue;
    if (MatchesAnyPattern(rule.id, options.skip)) continue;
    selected.push_back(&rule);
  }
  return selected;
}

Result<IgnorePolicy> ParseIgnorePolicy(const std::vector<std::string>& values) {
  IgnorePolicy policy;
  const std::vector<std::string> names = SplitNameList(values);
  const bool has_all = std::find(names.begin(), names.end(), "all") != names.end();
  if (has_all && names.size() > 1) {
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : ",") + name;
    return Status::InvalidArgument(fmt::format(
        "--ignore: 'all' cannot be combined with rule ids (got '{}'); pass either --ignore all "
        "or a list of ids",
        joined));
  }
  policy.all = has_all;
  if (!has_all) policy.patterns = names;
  return policy;
}

}  // namespace flightcheck
