#include "runner/rule_loader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/text.h"
#include "rules/builtin_rules.h"
#include "runner/expectation_parser.h"
#include "runner/quantity.h"
#include "runner/spellcheck.h"
#include "runner/variables.h"
#include "runner/yaml_document.h"

namespace flightcheck {
namespace {

const std::vector<std::string> kFileKeys = {"apiVersion", "kind", "phase", "description", "rules"};
const std::vector<std::string> kRuleKeys = {"id",     "title",   "description", "hint",     "phase",
                                            "roles",  "tags",    "requires",    "severity", "probe",
                                            "expect", "timeout", "retry"};
const std::vector<std::string> kRetryKeys = {"within", "every"};
constexpr std::string_view kApiVersion = "flightcheck/v1";

// [A-Za-z0-9][A-Za-z0-9._-]*
bool IsValidRuleId(std::string_view id) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  return !id.empty() && word(id.front()) && std::all_of(id.begin(), id.end(), [&](char c) {
    return word(c) || c == '.' || c == '_' || c == '-';
  });
}

struct RequirementRef {
  size_t rule_index;
  std::string id;
  const SourceFile* file;
  int line;
  int column;
};

struct IdRef {
  const SourceFile* file;
  int line;
  int column;
};

// Loads the rules of one file into *rules; problems go to *diagnostics.
class FileLoader {
 public:
  FileLoader(const SourceFile& file, const ProbeRegistry& registry, DiagnosticList* diagnostics,
             std::vector<Rule>* rules, std::vector<RequirementRef>* requirements,
             std::vector<IdRef>* id_refs)
      : file_(file),
        registry_(registry),
        diagnostics_(diagnostics),
        rules_(rules),
        requirements_(requirements),
        id_refs_(id_refs) {}

  void Load() {
    YamlSyntaxError syntax;
    Result<YamlNode> parsed = ParseYaml(file_.text, &syntax);
    if (!parsed) {
      diagnostics_->Error(file_, syntax.line, syntax.column, "invalid YAML: " + syntax.message);
      return;
    }
    const YamlNode& root = *parsed;
    if (root.IsNull()) {
      diagnostics_->FileError(file_.path,
                              "the file is empty; a rule file is a map with apiVersion: "
                              "flightcheck/v1, kind: RuleSet, phase and rules");
      return;
    }
    CheckDuplicateKeys(root);
    if (!root.IsMap()) {
      Error(root,
            "a rule file is a map with apiVersion: flightcheck/v1, kind: RuleSet, phase and rules");
      return;
    }
    const auto keys = CheckKeys(root, kFileKeys, "the rule file");
    RequireString(root, keys, "apiVersion", kApiVersion, "apiVersion: flightcheck/v1");
    RequireString(root, keys, "kind", "RuleSet", "kind: RuleSet");
    std::string phase;
    if (!keys.count("phase")) {
      Error(root, "missing key 'phase' (one of " + JoinStrings(KnownPhases()) + ")");
    } else {
      phase = ParsePhase(*keys.at("phase"));
    }
    if (!keys.count("rules")) {
      Error(root, "missing key 'rules' (a list of rules)");
      return;
    }
    const YamlNode& rules = *keys.at("rules");
    if (!rules.IsSequence()) {
      Error(rules, "'rules' must be a list of rules");
      return;
    }
    for (const YamlNode& rule_node : rules.items) LoadRule(rule_node, phase);
  }

 private:
  using KeyMap = std::map<std::string, const YamlNode*>;

  void Error(const YamlNode& node, std::string message) {
    diagnostics_->Error(file_, node.line, node.column, std::move(message));
  }

  // Most YAML loaders keep the first of duplicate keys silently; walk every map.
  void CheckDuplicateKeys(const YamlNode& node) {
    if (node.IsMap()) {
      std::map<std::string, int> seen;
      for (const auto& pair : node.pairs) {
        const std::string key = pair.first.IsScalar() ? pair.first.scalar : "";
        auto [it, inserted] = seen.emplace(key, pair.first.line);
        if (!inserted) {
          Error(pair.first, fmt::format("duplicate key '{}' (first at line {}); remove one of them",
                                        key, it->second));
        }
        CheckDuplicateKeys(pair.second);
      }
    } else if (node.IsSequence()) {
      for (const YamlNode& element : node.items) CheckDuplicateKeys(element);
    }
  }

  // Reports unknown keys of map (with a suggestion) and returns the known ones by name.
  KeyMap CheckKeys(const YamlNode& map, const std::vector<std::string>& allowed,
                   const std::string& where) {
    KeyMap keys;
    for (const auto& pair : map.pairs) {
      if (!pair.first.IsScalar()) {
        Error(pair.first, "keys must be plain names");
        continue;
      }
      const std::string& key = pair.first.scalar;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(pair.first,
              fmt::format("unknown key '{}' in {}{}", key, where, DidYouMean(key, allowed)));
        if (std::optional<std::string> suggestion = SpellCheck(key, allowed)) {
          misspelt_.insert(*suggestion);
        }
        continue;
      }
      keys.emplace(key, &pair.second);
    }
    return keys;
  }

  void RequireString(const YamlNode& root, const KeyMap& keys, const std::string& key,
                     std::string_view expected, std::string_view example) {
    auto it = keys.find(key);
    if (it == keys.end()) {
      Error(root, fmt::format("missing key '{}' (add '{}')", key, example));
    } else if (!it->second->IsScalar()) {
      Error(*it->second, fmt::format("'{}' must be the string '{}', not {}", key, expected,
                                     it->second->IsMap() ? "a map" : "a list"));
    } else if (it->second->scalar != expected) {
      Error(*it->second, fmt::format("unsupported {} {} (expected '{}')", key,
                                     QuoteForMessage(it->second->scalar), expected));
    }
  }

  std::optional<std::string> ScalarString(const YamlNode& node, const std::string& what) {
    if (!node.IsScalar()) {
      Error(node, fmt::format("'{}' must be a string", what));
      return std::nullopt;
    }
    return node.scalar;
  }

  // A list of strings; a single string counts as a list of one.
  std::vector<std::pair<std::string, const YamlNode*>> StringList(const YamlNode& node,
                                                                  const std::string& what) {
    std::vector<std::pair<std::string, const YamlNode*>> items;
    if (node.IsScalar()) {
      items.emplace_back(node.scalar, &node);
    } else if (node.IsSequence()) {
      for (const YamlNode& element : node.items) {
        if (element.IsScalar()) {
          items.emplace_back(element.scalar, &element);
        } else {
          Error(element, fmt::format("'{}' must be a list of strings", what));
        }
      }
    } else {
      Error(node, fmt::format("'{}' must be a list of strings", what));
    }
    return items;
  }

  std::string ParsePhase(const YamlNode& node) {
    std::optional<std::string> phase = ScalarString(node, "phase");
    if (!phase) return "";
    const auto& phases = KnownPhases();
    if (std::find(phases.begin(), phases.end(), *phase) == phases.end()) {
      Error(node, fmt::format("unknown phase '{}'{}; phases are {}", *phase,
                              DidYouMean(*phase, phases), JoinStrings(phases)));
      return "";
    }
    return *phase;
  }

  std::optional<Milliseconds> ParseDurationNode(const YamlNode& node, const std::string& what) {
    if (!node.IsScalar()) {
      Error(node, fmt::format("'{}' must be a duration such as 5s", what));
      return std::nullopt;
    }
    Result<Milliseconds> duration = ParseDuration(node.scalar);
    if (!duration) {
      Error(node, fmt::format("invalid duration for '{}': {}", what, duration.error().message()));
      return std::nullopt;
    }
    return *duration;
  }

  void LoadRule(const YamlNode& node, const std::string& file_phase) {
    if (!node.IsMap()) {
      Error(node, "each rule must be a map with at least id, probe and expect");
      return;
    }
    Rule rule;
    rule.location = {file_.path, node.line, node.column};
    rule.phase = file_phase;
    const YamlNode* id_node = node.Find("id");
    // One IdRef per rule, whatever its id is like, so that CheckRuleGraph's positions stay
    // aligned with the rules after a rule with a missing or non-string id.
    const YamlNode& id_at = id_node != nullptr ? *id_node : node;
    id_refs_->push_back({&file_, id_at.line, id_at.column});
    if (id_node == nullptr) {
      Error(node, "rule has no 'id'");
    } else if (std::optional<std::string> id = ScalarString(*id_node, "id")) {
      if (!IsValidRuleId(*id)) {
        Error(*id_node, fmt::format("invalid rule id '{}': use letters, digits, '.', '_' and '-', "
                                    "starting with a letter or digit",
                                    *id));
      }
      rule.id = *id;
    }
    const std::string where = rule.id.empty() ? "rule" : "rule '" + rule.id + "'";
    misspelt_.clear();
    const KeyMap keys = CheckKeys(node, kRuleKeys, where);

    if (auto it = keys.find("title"); it != keys.end()) {
      rule.title = ScalarString(*it->second, "title").value_or("");
    }
    if (rule.title.empty()) rule.title = rule.id;
    if (auto it = keys.find("description"); it != keys.end()) {
      rule.description = ScalarString(*it->second, "description").value_or("");
    }
    if (auto it = keys.find("hint"); it != keys.end()) {
      rule.hint = ScalarString(*it->second, "hint").value_or("");
    }
    if (auto it = keys.find("phase"); it != keys.end()) {
      const std::string phase = ParsePhase(*it->second);
      if (!phase.empty()) rule.phase = phase;
    }
    if (auto it = keys.find("roles"); it != keys.end()) {
      for (const auto& [role, role_node] : StringList(*it->second, "roles")) {
        std::optional<std::string> normalized = NormalizeRole(role);
        if (!normalized) {
          Error(*role_node, fmt::format("unknown role '{}'{}; roles are {}", role,
                                        DidYouMean(role, KnownRoles()), JoinStrings(KnownRoles())));
        } else {
          rule.roles.push_back(*normalized);
        }
      }
    }
    if (auto it = keys.find("tags"); it != keys.end()) {
      for (const auto& [tag, tag_node] : StringList(*it->second, "tags")) rule.tags.push_back(tag);
    }
    if (auto it = keys.find("requires"); it != keys.end()) {
      for (const auto& [id, id_node_ref] : StringList(*it->second, "requires")) {
        rule.requirements.push_back(id);
        requirements_->push_back(
            {rules_->size(), id, &file_, id_node_ref->line, id_node_ref->column});
      }
    }
    if (auto it = keys.find("severity"); it != keys.end()) {
      static const std::vector<std::string> kSeverities = {"fail", "warn", "info"};
      const std::string severity = ScalarString(*it->second, "severity").value_or("");
      if (severity == "fail") {
        rule.severity = Severity::kFail;
      } else if (severity == "warn") {
        rule.severity = Severity::kWarn;
      } else if (severity == "info") {
        rule.severity = Severity::kInfo;
      } else if (it->second->IsScalar()) {
        Error(*it->second, fmt::format("unknown severity '{}'{}; severities are fail, warn, info",
                                       severity, DidYouMean(severity, kSeverities)));
      }
    }
    if (auto it = keys.find("timeout"); it != keys.end()) {
      rule.timeout = ParseDurationNode(*it->second, "timeout");
      if (rule.timeout && rule.timeout->count() == 0) {
        Error(*it->second, "'timeout' must be longer than 0");
      }
    }
    if (auto it = keys.find("retry"); it != keys.end()) ParseRetry(*it->second, &rule);

    const ProbeDescriptor* descriptor = nullptr;
    if (auto it = keys.find("probe"); it != keys.end()) {
      descriptor = ParseProbe(*it->second, &rule);
    } else if (!misspelt_.count("probe")) {
      Error(node,
            fmt::format("{} has no 'probe' (one of {})", where, JoinStrings(registry_.Names())));
    }
    if (auto it = keys.find("expect"); it != keys.end()) {
      const YamlNode& expect = *it->second;
      if (!expect.IsMap() || expect.size() == 0) {
        Error(expect,
              fmt::format("empty 'expect' in {}: name at least one fact the probe must report{}",
                          where, FactList(descriptor)));
      } else {
        rule.expect = ParseExpectation(
            expect, descriptor,
            [this](const YamlNode& at, std::string message) { Error(at, std::move(message)); });
      }
    } else if (!misspelt_.count("expect")) {
      Error(node, fmt::format("{} has no 'expect': name at least one fact the probe must report{}",
                              where, FactList(descriptor)));
    }
    rules_->push_back(std::move(rule));
  }

  static std::string FactList(const ProbeDescriptor* descriptor) {
    if (descriptor == nullptr) return "";
    std::vector<std::string> names;
    for (const FactSpec& fact : descriptor->facts) names.push_back(fact.name);
    return fmt::format(" (facts of '{}': {})", descriptor->name, JoinStrings(names));
  }

  void ParseRetry(const YamlNode& node, Rule* rule) {
    if (!node.IsMap()) {
      Error(node, "'retry' must be a map: {within: 60s, every: 2s}");
      return;
    }
    const KeyMap keys = CheckKeys(node, kRetryKeys, "retry");
    if (!keys.count("within") || !keys.count("every")) {
      Error(node, "'retry' needs both 'within' and 'every', e.g. {within: 60s, every: 2s}");
      return;
    }
    std::optional<Milliseconds> within = ParseDurationNode(*keys.at("within"), "retry.within");
    std::optional<Milliseconds> every = ParseDurationNode(*keys.at("every"), "retry.every");
    if (!within || !every) return;
    if (every->count() == 0) {
      Error(*keys.at("every"), "'retry.every' must be longer than 0");
      return;
    }
    rule->retry = RetryPolicy{*within, *every};
  }

  const ProbeDescriptor* ParseProbe(const YamlNode& node, Rule* rule) {
    const bool with_params = node.IsMap() && node.size() == 1;
    const YamlNode& name_node = with_params ? node.pairs.front().first : node;
    const YamlNode* params_node = with_params ? &node.pairs.front().second : nullptr;
    if (!with_params && !node.IsScalar()) {
      Error(node,
            "'probe' must be a probe name (docker) or a map of one probe name to its "
            "parameters ({disk: {path: /opt}})");
      return nullptr;
    }
    rule->probe = name_node.scalar;
    const ProbeEntry* entry = registry_.Find(rule->probe);
    if (entry == nullptr) {
      Error(name_node, fmt::format("unknown probe '{}'{}; `flightcheck probes` lists them",
                                   rule->probe, DidYouMean(rule->probe, registry_.Names())));
      return nullptr;
    }
    const ProbeDescriptor& descriptor = entry->descriptor;
    std::vector<std::string> param_names;
    for (const ParamSpec& spec : descriptor.params) param_names.push_back(spec.name);
    std::set<std::string> given;
    if (params_node != nullptr && !params_node->IsNull()) {
      if (!params_node->IsMap()) {
        Error(*params_node, fmt::format("parameters of probe '{}' must be a map ({})",
                                        descriptor.name, JoinStrings(param_names)));
        return &descriptor;
      }
      for (const auto& pair : params_node->pairs) {
        const std::string& key = pair.first.scalar;
        const ParamSpec* spec = descriptor.FindParam(key);
        if (spec == nullptr) {
          if (std::optional<std::string> suggestion = SpellCheck(key, param_names)) {
            given.insert(*suggestion);  // reported as misspelt, not also as missing
          }
          Error(pair.first,
                fmt::format("probe '{}' has no parameter '{}'{}{}", descriptor.name, key,
                            DidYouMean(key, param_names),
                            param_names.empty() ? "; it takes none"
                                                : "; parameters: " + JoinStrings(param_names)));
          continue;
        }
        given.insert(key);
        const nlohmann::json value = YamlToJson(pair.second);
        if (Status syntax = CheckVariableSyntax(value); !syntax.ok()) {
          Error(pair.second, syntax.message());
        } else if (!HasVariables(value)) {
          if (std::optional<std::string> problem = CheckParamValue(*spec, value)) {
            Error(pair.second, fmt::format("{} (probe '{}')", *problem, descriptor.name));
          }
        }
        rule->params[key] = value;
      }
    }
    for (const ParamSpec& spec : descriptor.params) {
      if (spec.required && !given.count(spec.name)) {
        Error(node, fmt::format("probe '{}' needs parameter '{}' ({}): write {{{}: {{{}: ...}}}}",
                                descriptor.name, spec.name, ParamTypeName(spec.type),
                                descriptor.name, spec.name));
      }
    }
    return &descriptor;
  }

  const SourceFile& file_;
  const ProbeRegistry& registry_;
  DiagnosticList* diagnostics_;
  std::vector<Rule>* rules_;
  std::vector<RequirementRef>* requirements_;
  std::vector<IdRef>* id_refs_;
  std::set<std::string> misspelt_;  // keys of the current rule reported as unknown near-misses
};

// Reports duplicate ids, unknown requirements and cycles across all files.
void CheckRuleGraph(const std::vector<Rule>& rules, const std::vector<IdRef>& id_refs,
                    const std::vector<RequirementRef>& requirements, DiagnosticList* diagnostics) {
  std::map<std::string, size_t> index;
  std::vector<std::string> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].id.empty()) continue;
    ids.push_back(rules[i].id);
    auto [it, inserted] = index.emplace(rules[i].id, i);
    if (!inserted) {
      const Rule& first = rules[it->second];
      const IdRef& ref = id_refs[i];
      diagnostics->Error(
          *ref.file, ref.line, ref.column,
          fmt::format("duplicate rule id '{}' (first defined at {}:{}:{})", rules[i].id,
                      first.location.path, first.location.line, first.location.column));
    }
  }
  for (const RequirementRef& req : requirements) {
    if (!index.count(req.id)) {
      diagnostics->Error(*req.file, req.line, req.column,
                         fmt::format("rule '{}' requires unknown rule '{}'{}",
                                     rules[req.rule_index].id, req.id, DidYouMean(req.id, ids)));
    }
  }
  // Depth-first search over adjacency lists, with an explicit stack (a chain of 100,000 rules
  // would overflow the call stack); a back edge is a cycle, reported once at the requirement
  // closing it. Linear in rules and requirements.
  std::vector<std::vector<const RequirementRef*>> edges(rules.size());
  for (const RequirementRef& req : requirements) {
    if (index.count(req.id)) edges[req.rule_index].push_back(&req);
  }
  enum class Mark { kNew, kActive, kDone };
  std::vector<Mark> marks(rules.size(), Mark::kNew);
  struct Frame {
    size_t rule;
    size_t next_edge;
  };
  std::vector<Frame> stack;
  for (size_t root = 0; root < rules.size(); ++root) {
    if (marks[root] != Mark::kNew) continue;
    marks[root] = Mark::kActive;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Frame& frame = stack.back();
      if (frame.next_edge == edges[frame.rule].size()) {
        marks[frame.rule] = Mark::kDone;
        stack.pop_back();
        continue;
      }
      const RequirementRef& req = *edges[frame.rule][frame.next_edge++];
      const size_t next = index.at(req.id);
      if (marks[next] == Mark::kActive) {
        std::string cycle;
        auto start = std::find_if(stack.begin(), stack.end(),
                                  [next](const Frame& f) { return f.rule == next; });
        constexpr size_t kShown = 10;  // a cycle of 60,000 rules is named, not printed whole
        const size_t length = static_cast<size_t>(stack.end() - start);
        size_t shown = 0;
        for (auto it = start; it != stack.end() && shown < kShown; ++it, ++shown) {
          cycle += rules[it->rule].id + " -> ";
        }
        if (length > kShown) cycle += fmt::format("... ({} more) -> ", length - kShown);
        cycle += rules[next].id;
        diagnostics->Error(*req.file, req.line, req.column,
                           "requirement cycle: " + cycle + "; a rule cannot depend on itself");
      } else if (marks[next] == Mark::kNew) {
        marks[next] = Mark::kActive;
        stack.push_back({next, 0});
      }
    }
  }
}

}  // namespace

LoadResult LoadRules(const std::vector<SourceFile>& files, const ProbeRegistry& registry) {
  LoadResult result;
  std::vector<RequirementRef> requirements;
  std::vector<IdRef> id_refs;
  for (const SourceFile& file : files) {
    FileLoader(file, registry, &result.diagnostics, &result.rules.rules, &requirements, &id_refs)
        .Load();
  }
  CheckRuleGraph(result.rules.rules, id_refs, requirements, &result.diagnostics);
  result.diagnostics.SortByPosition();
  return result;
}

std::vector<SourceFile> ReadRuleFiles(const std::vector<std::string>& paths,
                                      DiagnosticList* diagnostics) {
  namespace fs = std::filesystem;
  std::vector<SourceFile> files;
  // ReadWholeFile refuses a FIFO or a device (`rules validate /dev/zero`) at once instead of
  // blocking or reading forever, and a file over the YAML size limit before it is parsed.
  auto read_one = [&](const fs::path& path) {
    Result<std::string> text = ReadWholeFile(path, kYamlMaxBytes);
    if (!text) {
      diagnostics->FileError(path.string(), text.error().message());
      return;
    }
    files.push_back({path.string(), std::move(*text)});
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      // Every *.yaml and *.yml entry but a directory is read, so a FIFO or a dangling link named
      // like a rule file is reported rather than silently left out of the rule set.
      std::vector<fs::path> entries;
      for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string ext = it->path().extension().string();
        std::error_code ignored;
        if ((ext == ".yaml" || ext == ".yml") && !it->is_directory(ignored)) {
          entries.push_back(it->path());
        }
      }
      if (ec) {
        diagnostics->FileError(path, fmt::format("cannot list the directory: {}", ec.message()));
        continue;
      }
      std::sort(entries.begin(), entries.end());
      if (entries.empty()) {
        diagnostics->FileError(path, "the directory holds no *.yaml or *.yml rule files");
      }
      for (const fs::path& entry : entries) read_one(entry);
    } else if (!fs::exists(path, ec)) {
      diagnostics->FileError(path, "no such file or directory");
    } else {
      read_one(path);
    }
  }
  return files;
}

std::vector<SourceFile> BuiltinRuleSources() {
  std::vector<SourceFile> files;
  for (const BuiltinRuleFile& file : BuiltinRuleFiles()) {
    files.push_back({std::string(file.name), std::string(file.text)});
  }
  return files;
}

}  // namespace flightcheck
