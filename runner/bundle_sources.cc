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
      {BundleSourceKind::kHttp, "http", {"url", "timeout"}},
  };
  return *kKinds;
}

const std::vector<std::string>& CommonKeys() {
  static const std::vector<std::string>* const kKeys =
      new std::vector<std::string>{"id", "required", "roles", "max_bytes", "disabled"};
  return *kKeys;
}

const std::vector<std::string>& Roles() {
  static const std::vector<std::string>* const kRoles =
      new std::vector<std::string>{"master", "agent", "public_agent"};
  return *kRoles;
}

std::string KindNames() {
  std::vector<std::string_view> names;
  for (const KindInfo& info : Kinds()) names.push_back(info.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// Why url cannot be an http source's, "" when it can. Credentials are refused: the URL is in the
// sources file, the artifact and every error message about the item, none of which is redacted
// as a secret's place.
constexpr std::string_view kCredentialsProblem =
    "must not hold credentials (user:password@): a URL is shown unredacted";

std::string UrlProblem(std::string_view url) {
  std::string_view rest;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) rest = url.substr(scheme.size());
  }
  if (rest.empty()) return "must start with http:// or https:// and name a host";
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return std::string(kCredentialsProblem);
  }
  if (authority.empty() || authority.front() == ':') return "must name a host";
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return "must not hold spaces or control characters";
  }
  return "";
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
      } else if (name == "url") {
        source.url = Scalar(value, "http.url");
        if (std::string problem = UrlProblem(source.url); !source.url.empty() && !problem.empty()) {
          // Not the URL itself when it holds credentials: the message must not repeat them.
          Problem(value, problem == kCredentialsProblem
                             ? fmt::format("http.url {}", problem)
                             : fmt::format("http.url '{}' {}", source.url, problem));
          source.url.clear();
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
         source.units.empty()) ||
        (kind.kind == BundleSourceKind::kHttp && source.url.empty());
    if (missing && problems_.size() == problems_before) {
      Problem(params, fmt::format("{} needs {}", kind.name, kind.parameters.front()));
    }
  }

  void Source(const YamlNode& node, std::set<std::string>& ids) {
    if (!node.IsMap()) {
      Problem(node, "a source must be a map with an id and one of " + KindNames());
      return;
    }
    BundleSource source;
    source.line = node.line;
    source.column = node.column;
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
      } else if (name == "disabled") {
        if (value.scalar != "true") {
          Problem(value, "disabled must be true (leave it out to collect the source)");
        }
        source.disabled = true;
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
    if (source.disabled) {
      if (node.pairs.size() != 2) {
        Problem(node, fmt::format("a disabled source has only its id and disabled: true; it "
                                  "removes the source '{}' it extends",
                                  source.id));
      }
      sources_.push_back(std::move(source));
      return;
    }
    if (kind == nullptr) {
      Problem(node, "a source needs one of " + KindNames());
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

BundleSourcesLoad ExtendBundleSources(std::vector<BundleSource> base,
                                      const std::vector<BundleSource>& extra,
                                      std::string_view extra_file) {
  BundleSourcesLoad load;
  for (const BundleSource& source : extra) {
    auto same = std::find_if(base.begin(), base.end(),
                             [&](const BundleSource& b) { return b.id == source.id; });
    if (source.disabled && same == base.end()) {
      std::vector<std::string> ids;
      for (const BundleSource& b : base) ids.push_back(b.id);
      load.problems.push_back(
          fmt::format("{}:{}:{}: disabled: '{}' is not a source this file extends{}", extra_file,
                      source.line, source.column, source.id,
                      ids.empty() ? std::string(" (there are none: --no-builtin-sources)")
                                  : DidYouMean(source.id, ids)));
    } else if (source.disabled) {
      base.erase(same);
    } else if (same != base.end()) {
      *same = source;
    } else {
      base.push_back(source);
    }
  }
  if (load.problems.empty()) load.sources = std::move(base);
  return load;
}

}  // namespace flightcheck
