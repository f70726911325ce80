#include "runner/bundle_sources.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "checks/journal_reader.h"
#include "runner/archive_writer.h"
#include "runner/quantity.h"
#include "runner/spellcheck.h"
#include "runner/yaml_document.h"

namespace flightcheck {
namespace {

struct KindInfo {
  BundleSourceKind kind;
  std::string_view name;
  std::vector<std::string> parameters;
};

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo>* const kKinds = new std::vector<KindInfo>{
      {BundleSourceKind::kJournal, "journal", {"units", "since", "timeout"}},
      {BundleSourceKind::kCommand, "command", {"argv", "timeout"}},
      {BundleSourceKind::kFile, "file", {"path"}},
      {BundleSourceKind::kUnits, "units", {"names"}},
  };
  return *kKinds;
}

const std::vector<std::string>& CommonKeys() {
  static const std::vector<std::string>* const kKeys =
      new std::vector<std::string>{"id", "required", "roles", "max_bytes"};
  return *kKeys;
}

const std::vector<std::string>& Roles() {
  static const std::vector<std::string>* const kRoles =
      new std::vector<std::string>{"master", "agent", "public_agent"};
  return *kRoles;
}

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  void Problem(const YamlNode& at, const std::string& message) {
    problems_.push_back(fmt::format("{}:{}:{}: {}", file_, at.line, at.column, message));
  }

  std::vector<std::string> Strings(const YamlNode& node, std::string_view what) {
    std::vector<std::string> values;
    if (node.IsScalar()) {
      values.push_back(node.scalar);
    } else if (node.IsSequence()) {
      for (const YamlNode& item : node.items) {
        if (!item.IsScalar() || item.scalar.empty()) {
          Problem(item, fmt::format("{} must be a list of non-empty strings", what));
          continue;
        }
        values.push_back(item.scalar);
      }
    } else {
      Problem(node, fmt::format("{} must be a string or a list of strings", what));
    }
    if (values.empty() && node.IsSequence()) Problem(node, fmt::format("{} is empty", what));
    return values;
  }

  std::string Scalar(const YamlNode& node, std::string_view what) {
    if (!node.IsScalar() || node.scalar.empty()) {
      Problem(node, fmt::format("{} must be a non-empty string", what));
      return "";
    }
    return node.scalar;
  }

  void KindParameters(const YamlNode& params, const KindInfo& kind, BundleSource& source) {
    const size_t problems_before = problems_.size();
    if (!params.IsMap()) {
      Problem(params, fmt::format("'{}' takes a map of parameters: {}", kind.name,
                                  fmt::join(kind.parameters, ", ")));
      return;
    }
    for (const auto& [key, value] : params.pairs) {
      const std::string& name = key.scalar;
      if (std::find(kind.parameters.begin(), kind.parameters.end(), name) ==
          kind.parameters.end()) {
        Problem(key,
                fmt::format("unknown parameter '{}' of {}{}; it takes {}", name, kind.name,
                            DidYouMean(name, kind.parameters), fmt::join(kind.parameters, ", ")));
      } else if (name == "units" || name == "names") {
        source.units = Strings(value, fmt::format("{}.{}", kind.name, name));
      } else if (name == "argv") {
        source.argv = Strings(value, "command.argv");
        if (value.IsScalar()) Problem(value, "command.argv must be a list: [program, arg, ...]");
      } else if (name == "path") {
        source.path = Scalar(value, "file.path");
        if (!source.path.empty() && source.path.front() != '/') {
          Problem(value, fmt::format("file.path '{}' must be absolute", source.path));
        } else if (!source.path.empty() &&
                   !CheckEntryName(std::string_view(source.path).substr(1)).ok()) {
          // It names the entry in the bundle too (files<path>): the same rule as every entry.
          Problem(value, fmt::format("file.path '{}' must name a file: no empty, '.' or '..' "
                                     "part, no trailing '/', no backslash",
                                     source.path));
        }
      } else if (name == "since") {
        Result<std::chrono::seconds> age = ParseJournalAge(Scalar(value, "journal.since"));
        if (!age) {
          Problem(value, "journal.since: " + age.error().message());
        } else {
          source.since = *age;
        }
      } else if (name == "timeout") {
        Result<Milliseconds> timeout = ParseDuration(Scalar(value, "timeout"));
        if (!timeout || timeout->count() <= 0) {
          Problem(value, fmt::format("{}.timeout: '{}' is not a positive duration (e.g. 30s)",
                                     kind.name, value.scalar));
        } else {
          source.timeout = *timeout;
        }
      }
    }
    const bool missing =
        (kind.kind == BundleSourceKind::kCommand && source.argv.empty()) ||
        (kind.kind == BundleSourceKind::kFile && source.path.empty()) ||
        ((kind.kind == BundleSourceKind::kJournal || kind.kind == BundleSourceKind::kUnits) &&
         source.units.empty());
    if (missing && problems_.size() == problems_before) {
      Problem(params, fmt::format("{} needs {}", kind.name, kind.parameters.front()));
    }
  }

  void Source(const YamlNode& node, std::set<std::string>& ids) {
    if (!node.IsMap()) {
      Problem(node, "a source must be a map with an id and one of journal, command, file, units");
      return;
    }
    BundleSource source;
    source.line = node.line;
    const KindInfo* kind = nullptr;
    const YamlNode* params = nullptr;
    std::vector<std::string> known = CommonKeys();
    for (const KindInfo& info : Kinds()) known.emplace_back(info.name);
    for (const auto& [key, value] : node.pairs) {
      const std::string& name = key.scalar;
      const auto info = std::find_if(Kinds().begin(), Kinds().end(),
                                     [&](const KindInfo& k) { return k.name == name; });
      if (info != Kinds().end()) {
        if (kind != nullptr) {
          Problem(key, fmt::format("a source has one kind: '{}' and '{}' given", kind->name, name));
        }
        kind = &*info;
        params = &value;
      } else if (name == "id") {
        source.id = Scalar(value, "id");
        const bool valid =
            !source.id.empty() && std::all_of(source.id.begin(), source.id.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                     c == '_';
            });
        if (!source.id.empty() && !valid) {
          Problem(value, fmt::format("id '{}' may hold only letters, digits, '.', '-' and '_'",
                                     source.id));
        } else if (valid && !ids.insert(source.id).second) {
          Problem(value, fmt::format("id '{}' is declared twice", source.id));
        }
      } else if (name == "required") {
        if (value.scalar != "true" && value.scalar != "false") {
          Problem(value, "required must be true or false");
        }
        source.required = value.scalar == "true";
      } else if (name == "roles") {
        for (const std::string& role : Strings(value, "roles")) {
          if (std::find(Roles().begin(), Roles().end(), role) == Roles().end()) {
            Problem(value, fmt::format("unknown role '{}'{}; roles: master, agent, public_agent",
                                       role, DidYouMean(role, Roles())));
          }
          source.roles.push_back(role);
        }
      } else if (name == "max_bytes") {
        Result<Quantity> size = ParseQuantity(Scalar(value, "max_bytes"));
        // 1 TiB bounds it: far above any log, and within uint64_t whatever the text says.
        constexpr double kMaxItemBytes = 1024.0 * 1024 * 1024 * 1024;
        if (!size || size->kind != QuantityKind::kSize || size->value < 1) {
          Problem(value, fmt::format("max_bytes: '{}' is not a size such as 16MiB", value.scalar));
        } else if (size->value > kMaxItemBytes) {
          Problem(value, fmt::format("max_bytes: '{}' is more than 1TiB", value.scalar));
        } else {
          source.max_bytes = static_cast<uint64_t>(size->value);
        }
      } else {
        Problem(key, fmt::format("unknown key '{}'{}", name, DidYouMean(name, known)));
      }
    }
    if (source.id.empty() && node.Find("id") == nullptr) Problem(node, "a source needs an id");
    if (kind == nullptr) {
      Problem(node, "a source needs one of journal, command, file, units");
      return;
    }
    source.kind = kind->kind;
    KindParameters(*params, *kind, source);
    sources_.push_back(std::move(source));
  }

  BundleSourcesLoad Run(std::string_view text) {
    YamlSyntaxError syntax;
    Result<YamlNode> root = ParseYaml(text, &syntax);
    if (!root) {
      problems_.push_back(fmt::format("{}:{}:{}: invalid YAML: {}", file_, syntax.line,
                                      syntax.column, syntax.message));
      return Done();
    }
    if (!root->IsMap()) {
      Problem(*root, "expected a map with apiVersion, kind: BundleSources and sources");
      return Done();
    }
    const YamlNode* api = root->Find("apiVersion");
    if (api == nullptr || api->scalar != "flightcheck/v1") {
      Problem(api ? *api : *root, "apiVersion must be flightcheck/v1");
    }
    const YamlNode* kind = root->Find("kind");
    if (kind == nullptr || kind->scalar != "BundleSources") {
      Problem(kind ? *kind : *root, "kind must be BundleSources");
    }
    for (const auto& [key, value] : root->pairs) {
      if (key.scalar != "apiVersion" && key.scalar != "kind" && key.scalar != "sources") {
        Problem(key, fmt::format("unknown key '{}'{}", key.scalar,
                                 DidYouMean(key.scalar, {"apiVersion", "kind", "sources"})));
      }
    }
    const YamlNode* sources = root->Find("sources");
    if (sources == nullptr || !sources->IsSequence()) {
      Problem(sources ? *sources : *root, "sources must be a list");
      return Done();
    }
    std::set<std::string> ids;
    for (const YamlNode& item : sources->items) Source(item, ids);
    return Done();
  }

 private:
  BundleSourcesLoad Done() {
    BundleSourcesLoad load;
    load.problems = std::move(problems_);
    if (load.problems.empty()) load.sources = std::move(sources_);
    return load;
  }

  std::string file_;
  std::vector<std::string> problems_;
  std::vector<BundleSource> sources_;
};

}  // namespace

std::string_view BundleSourceKindName(BundleSourceKind kind) {
  for (const KindInfo& info : Kinds()) {
    if (info.kind == kind) return info.name;
  }
  return "?";
}

BundleSourcesLoad ParseBundleSources(std::string_view text, std::string_view file) {
  return Parser(file).Run(text);
}

std::vector<BundleSource> ExtendBundleSources(std::vector<BundleSource> builtin,
                                              const std::vector<BundleSource>& extra) {
  for (const BundleSource& source : extra) {
    auto same = std::find_if(builtin.begin(), builtin.end(),
                             [&](const BundleSource& b) { return b.id == source.id; });
    if (same != builtin.end()) {
      *same = source;
    } else {
      builtin.push_back(source);
    }
  }
  return builtin;
}

}  // namespace flightcheck
