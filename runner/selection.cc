#include "runner/selection.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>

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

namespace {

bool InPhase(const Rule& rule, const SelectionOptions& options) {
  return !options.phase || rule.phase == *options.phase;
}

bool ForRole(const Rule& rule, const SelectionOptions& options) {
  if (rule.roles.empty()) return true;
  return options.role &&
         std::find(rule.roles.begin(), rule.roles.end(), *options.role) != rule.roles.end();
}

bool HasTag(const Rule& rule, const SelectionOptions& options) {
  return options.tags.empty() ||
         std::any_of(rule.tags.begin(), rule.tags.end(), [&](const std::string& tag) {
           return std::find(options.tags.begin(), options.tags.end(), tag) != options.tags.end();
         });
}

}  // namespace

Selection SelectRules(const RuleSet& rules, const SelectionOptions& options) {
  const size_t n = rules.rules.size();
  std::vector<bool> chosen(n, false), pulled(n, false);
  std::map<std::string_view, size_t> index;
  for (size_t i = 0; i < n; ++i) index.emplace(rules.rules[i].id, i);
  std::vector<size_t> pending;
  for (size_t i = 0; i < n; ++i) {
    const Rule& rule = rules.rules[i];
    if (!InPhase(rule, options) || !ForRole(rule, options) || !HasTag(rule, options)) continue;
    if (!options.only.empty() && !MatchesAnyPattern(rule.id, options.only)) continue;
    if (MatchesAnyPattern(rule.id, options.skip)) continue;
    chosen[i] = true;
    pending.push_back(i);
  }
  // The closure over `requires`: a worklist, not recursion, so long chains cost no stack.
  while (!pending.empty()) {
    const size_t i = pending.back();
    pending.pop_back();
    for (const std::string& requirement : rules.rules[i].requirements) {
      auto it = index.find(requirement);
      if (it == index.end() || chosen[it->second]) continue;
      if (MatchesAnyPattern(requirement, options.skip)) continue;  // skipped on purpose
      chosen[it->second] = pulled[it->second] = true;
      pending.push_back(it->second);
    }
  }
  Selection selection;
  for (size_t i = 0; i < n; ++i) {
    if (!chosen[i]) continue;
    selection.rules.push_back(&rules.rules[i]);
    if (pulled[i]) selection.pulled_in.push_back(rules.rules[i].id);
  }
  return selection;
}

Status CheckSelectionNotEmpty(const RuleSet& rules, const SelectionOptions& options,
                              const Selection& selection) {
  if (!selection.rules.empty()) return Status::Ok();
  if (rules.rules.empty()) return Status::InvalidArgument("the rule files hold no rules");
  std::vector<const Rule*> remaining;
  for (const Rule& rule : rules.rules) remaining.push_back(&rule);
  // Apply the filters in the order a user thinks of them and name the first that leaves nothing.
  const auto narrow = [&](auto keep) {
    std::vector<const Rule*> kept;
    for (const Rule* rule : remaining) {
      if (keep(*rule)) kept.push_back(rule);
    }
    return kept;
  };
  std::vector<const Rule*> next = narrow([&](const Rule& r) { return InPhase(r, options); });
  if (next.empty()) {
    std::vector<std::string> phases;
    for (const Rule* rule : remaining) {
      if (std::find(phases.begin(), phases.end(), rule->phase) == phases.end()) {
        phases.push_back(rule->phase);
      }
    }
    return Status::InvalidArgument(
        fmt::format("--phase: no rule of phase '{}' in the rule files{}; "
                    "phases with rules: {}",
                    *options.phase, DidYouMean(*options.phase, phases), JoinStrings(phases)));
  }
  remaining = std::move(next);
  const std::string scope = options.phase ? fmt::format(" of phase '{}'", *options.phase) : "";
  next = narrow([&](const Rule& r) { return ForRole(r, options); });
  if (next.empty()) {
    return Status::InvalidArgument(
        fmt::format("--role: no rule{} applies to role '{}'", scope, options.role.value_or("")));
  }
  remaining = std::move(next);
  next = narrow([&](const Rule& r) { return HasTag(r, options); });
  if (next.empty()) {
    std::vector<std::string> tags;
    for (const Rule* rule : remaining) {
      for (const std::string& tag : rule->tags) {
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
      }
    }
    std::sort(tags.begin(), tags.end());
    const std::string wanted = JoinStrings(options.tags);
    return Status::InvalidArgument(fmt::format(
        "--tag: no rule{} has tag '{}'{}; {}", scope, wanted,
        options.tags.size() == 1 ? DidYouMean(options.tags.front(), tags) : std::string(),
        tags.empty() ? "these rules have no tags" : "tags: " + JoinStrings(tags)));
  }
  remaining = std::move(next);
  std::vector<std::string> ids;
  for (const Rule* rule : remaining) ids.push_back(rule->id);
  return Status::InvalidArgument(
      fmt::format("--only/--skip leave no rule to check; rules{}: {}", scope, JoinStrings(ids)));
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
