// `flightcheck rules list|show|validate`.
#include <memory>

#include <fmt/format.h>

#include "checks/text.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "runner/report.h"
#include "runner/selection.h"

namespace flightcheck::cli {
namespace {

// A table cell: comma-separated, "-" rather than blank for none.
std::string CommaList(const std::vector<std::string>& items) {
  std::string text = JoinStrings(items, ",");
  return text.empty() ? "-" : text;
}

int ListRules(const std::vector<std::string>& paths) {
  std::optional<RuleSet> rules = LoadRulesOrReport(paths);
  if (!rules) return kExitInvalidInput;
  fmt::print("{:<28} {:<10} {:<8} {:<22} {:<14} {}\n", "ID", "PHASE", "SEVERITY", "ROLES", "PROBE",
             "TITLE");
  for (const Rule& rule : rules->rules) {
    fmt::print("{:<28} {:<10} {:<8} {:<22} {:<14} {}\n", rule.id, rule.phase,
               SeverityName(rule.severity), CommaList(rule.roles), rule.probe, rule.title);
  }
  return kExitOk;
}

// Prints each named rule as written in its file: from its first line to the next rule.
int ShowRules(const std::vector<std::string>& paths, const std::vector<std::string>& ids) {
  const std::optional<std::vector<SourceFile>> sources = ReadRuleSourcesOrReport(paths);
  if (!sources) return kExitInvalidInput;
  if (ids.empty()) {
    for (const SourceFile& source : *sources) fmt::print("# {}\n{}", source.path, source.text);
    return kExitOk;
  }
  std::optional<RuleSet> rules = LoadRulesOrReport(*sources);
  if (!rules) return kExitInvalidInput;
  for (const std::string& id : ids) {
    const Rule* rule = rules->Find(id);
    if (rule == nullptr) {
      if (Status s = CheckRuleNames(*rules, "rules show", {id}); !s.ok()) {
        return UsageError(s.message());
      }
    }
    for (const SourceFile& source : *sources) {
      if (source.path != rule->location.path) continue;
      const std::vector<std::string_view> lines = SplitLines(source.text);
      const size_t first = static_cast<size_t>(rule->location.line - 1);
      const size_t indent = static_cast<size_t>(rule->location.column - 1);
      fmt::print("# {}:{}\n", source.path, rule->location.line);
      for (size_t i = first; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        // The next rule starts with "- " at the item's indentation minus two.
        if (i > first && indent >= 2 && line.size() > indent - 2 &&
            line.substr(indent - 2, 2) == "- " &&
            line.substr(0, indent - 2).find_first_not_of(' ') == std::string_view::npos) {
          break;
        }
        if (i > first && !line.empty() && line.find_first_not_of(' ') < indent - 2) break;
        fmt::print("{}\n", line);
      }
    }
  }
  return kExitOk;
}

int ValidateRules(const std::vector<std::string>& paths) {
  std::optional<RuleSet> rules = LoadRulesOrReport(paths);
  if (!rules) return kExitInvalidInput;
  fmt::print("ok: {} rules in {}\n", rules->rules.size(),
             paths.empty() ? std::string("the built-in rule sets") : CommaList(paths));
  return kExitOk;
}

}  // namespace

void AddRulesCommand(CLI::App& app, int* exit_code) {
  CLI::App* rules = app.add_subcommand("rules", "List, show or validate rule sets.");
  rules->require_subcommand(1);

  auto list_paths = std::make_shared<std::vector<std::string>>();
  CLI::App* list = rules->add_subcommand("list", "One line per rule.");
  list->add_option("--rules", *list_paths, "Rule file or directory; default: built-in");
  list->callback([list_paths, exit_code] { *exit_code = ListRules(*list_paths); });

  auto show_paths = std::make_shared<std::vector<std::string>>();
  auto show_ids = std::make_shared<std::vector<std::string>>();
  CLI::App* show = rules->add_subcommand("show", "Print rule files, or the named rules.");
  show->add_option("--rules", *show_paths, "Rule file or directory; default: built-in");
  show->add_option("ids", *show_ids, "Rule ids");
  show->callback(
      [show_paths, show_ids, exit_code] { *exit_code = ShowRules(*show_paths, *show_ids); });

  auto validate_paths = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = rules->add_subcommand("validate", "Check rule files; exit 65 if broken.");
  validate->add_option("files", *validate_paths, "Rule files or directories; default: built-in");
  validate->callback([validate_paths, exit_code] { *exit_code = ValidateRules(*validate_paths); });
}

}  // namespace flightcheck::cli
