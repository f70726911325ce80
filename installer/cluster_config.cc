// Loading and validating config.yaml (installer/cluster_config.h). The key table is
// cluster_config_keys.cc; variables, the node config and the hash are cluster_config_render.cc.
#include "installer/cluster_config.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/net.h"
#include "checks/probe.h"
#include "checks/text.h"
#include "installer/artifact_rules.h"
#include "installer/cluster_config_keys.h"
#include "installer/ssh_options_policy.h"
#include "installer/ssh_private_key.h"
#include "rules/builtin_rules.h"
#include "runner/bundle_sources.h"
#include "runner/rule_loader.h"
#include "runner/secret_policy.h"
#include "runner/spellcheck.h"
#include "runner/yaml_document.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// In the order DC/OS prints them.
const std::vector<std::string> kMasterDiscoveries = {"master_http_loadbalancer", "static"};
const std::vector<std::string> kExhibitorBackends = {
    "agent_only_group_no_exhibitor", "aws_s3", "shared_filesystem", "static", "zookeeper", "azure"};

// String keys each exhibitor backend needs; zookeeper's and aws_s3's switch are checked apart.
const std::map<std::string, std::vector<std::string>, std::less<>> kBackendKeys = {
    {"aws_s3", {"aws_region", "s3_bucket", "s3_prefix"}},
    {"azure",
     {"exhibitor_azure_account_name", "exhibitor_azure_account_key", "exhibitor_azure_prefix"}},
    {"shared_filesystem", {"exhibitor_fs_config_dir"}},
    {"zookeeper", {"exhibitor_zk_hosts", "exhibitor_zk_path"}},
};

constexpr const char* kInstallKnownHosts = "genconf/ssh_known_hosts";

constexpr int kIntMin = std::numeric_limits<int>::min();
constexpr int kIntMax = std::numeric_limits<int>::max();

// Python's type names, as DC/OS printed them ("got a str: abc"), and YAML's for containers.
std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "str";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float";
    case json::value_t::array:
      return "list";
    case json::value_t::object:
      return "map";
    default:
      return "null";
  }
}

std::string WithArticle(const std::string& noun) {
  return (noun.front() == 'i' ? "an " : "a ") + noun;
}

// DC/OS read config.yaml with PyYAML, so plain scalars get YAML 1.1 types (yes/no/on/off are
// booleans too); the rule loader's YAML 1.2 typing would turn `check_time: yes` into a string.
// Quoted scalars are always strings.
json ScalarValue(const YamlNode& node) {
  const std::string& text = node.scalar;
  if (node.quoted) return text;
  static const std::set<std::string, std::less<>> kTrue = {"true", "True", "TRUE", "yes", "Yes",
                                                           "YES",  "on",   "On",   "ON"};
  static const std::set<std::string, std::less<>> kFalse = {"false", "False", "FALSE", "no", "No",
                                                            "NO",    "off",   "Off",   "OFF"};
  if (kTrue.count(text) != 0) return true;
  if (kFalse.count(text) != 0) return false;
  if (std::optional<int64_t> integer = ParseInt64(text)) return *integer;
  // from_chars also takes "inf" and "nan", which YAML spells ".inf" and ".nan": require a digit.
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool numeric =
      std::any_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (ec == std::errc() && end == text.data() + text.size() && numeric) return number;
  return text;
}

json ToTyped(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar:
      return ScalarValue(node);
    case YamlNode::Kind::kSequence: {
      json list = json::array();
      for (const YamlNode& item : node.items) list.push_back(ToTyped(item));
      return list;
    }
    case YamlNode::Kind::kMap: {
      json map = json::object();
      for (const auto& [key, value] : node.pairs) {
        if (!map.contains(key.scalar)) map[key.scalar] = ToTyped(value);
      }
      return map;
    }
  }
  return nullptr;
}

// What a list key's value looks like, for "Must be a list, e.g. ...".
std::string_view ListExample(std::string_view key) {
  const ConfigKey* known = FindConfigKey(key);
  switch (known == nullptr ? ConfigKeyType::kList : known->type) {
    case ConfigKeyType::kAddressList:
      return "[10.0.0.1]";
    case ConfigKeyType::kPathList:
      return "[genconf/site-rules.yaml]";
    default:
      return "[a, b]";
  }
}

bool IsIpv4(const std::string& text) {
  in_addr address{};
  return ::inet_pton(AF_INET, text.c_str(), &address) == 1;  // dotted quad only, no ":port"
}

// "$<id>$<salt>$<hash>" (optionally "$rounds=N$" before the salt) with an id glibc's crypt(3)
// knows: MD5, SHA-256, SHA-512, bcrypt, yescrypt.
bool IsCryptHash(std::string_view hash) {
  static const std::set<std::string, std::less<>> kIds = {"1", "5", "6", "2a", "2b", "2y", "y"};
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t dollar = hash.find('$'); dollar != std::string_view::npos;
       dollar = hash.find('$', start)) {
    parts.push_back(hash.substr(start, dollar - start));
    start = dollar + 1;
  }
  parts.push_back(hash.substr(start));
  return parts.size() >= 4 && parts[0].empty() && kIds.count(parts[1]) != 0 &&
         std::none_of(parts.begin() + 2, parts.end(), [](std::string_view p) { return p.empty(); });
}

bool Exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

fs::path InstallDir(const fs::path& config_path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(config_path, ec);
  if (ec) absolute = config_path;
  const fs::path directory = absolute.lexically_normal().parent_path();
  return directory.filename() == "genconf" ? directory.parent_path() : directory;
}

ConfigLoad FileProblem(std::string message, int line = 0, int column = 0) {
  ConfigLoad load;
  load.problems.push_back({"", std::move(message), false, line, column});
  return load;
}

struct Entry {
  const YamlNode* key;
  const YamlNode* value;
  json typed;
};

// A path as written in the config (for messages) and resolved against install_dir.
struct PathValue {
  std::string written;
  fs::path resolved;
};

// One validation pass over a top-level map. Each key is read at most once, by the reader of its
// type, which reports a wrong value and returns nullopt; a key with an error is never read again,
// so a check that combines keys is skipped when one of them is wrong, as in DC/OS.
class Validator {
 public:
  Validator(const YamlNode& root, const fs::path& path, ConfigMode mode)
      : root_(root), mode_(mode) {
    config_.path = path;
    config_.install_dir = InstallDir(path);
  }

  ConfigLoad Run() && {
    IndexKeys();
    for (const ConfigKey& key : ConfigKeys()) {
      if (key.type != ConfigKeyType::kBool) continue;
      if (std::optional<bool> value = ReadBool(key.name)) bools_[std::string(key.name)] = *value;
    }
    ReadCluster();
    ReadMasters();
    ReadExhibitor();
    ReadNetwork();
    ReadSsh();
    ReadInstall();

    ConfigLoad load;
    load.problems = std::move(problems_);
    std::stable_sort(load.problems.begin(), load.problems.end(),
                     [](const ConfigProblem& a, const ConfigProblem& b) {
                       return std::tie(a.warning, a.line, a.column, a.key) <
                              std::tie(b.warning, b.line, b.column, b.key);
                     });
    if (!load.HasErrors()) {
      config_.values = std::move(values_);
      load.config = std::move(config_);
    }
    return load;
  }

 private:
  // Duplicate, unknown, non-string and null keys; builds entries_ and the as-written values_.
  void IndexKeys() {
    for (const auto& [key, value] : root_.pairs) {
      if (!key.IsScalar()) {
        problems_.push_back({"",
                             fmt::format("{}:{}:{}: config keys must be strings",
                                         config_.path.string(), key.line, key.column),
                             false, key.line, key.column});
        continue;
      }
      const std::string& name = key.scalar;
      const auto [it, inserted] = entries_.try_emplace(name, Entry{&key, &value, ToTyped(value)});
      if (!inserted) {
        problems_.push_back({name,
                             fmt::format("Duplicate key: set at line {} and again at line {}",
                                         it->second.key->line, key.line),
                             false, key.line, key.column});
        failed_.insert(name);
        continue;
      }
      if (FindConfigKey(name) == nullptr) {
        problems_.push_back({name, "Unknown configuration key" + DidYouMean(name, ConfigKeyNames()),
                             true, key.line, key.column});
      }
      if (value.IsNull()) {
        Error(name, "Must have a value; it is empty (null)");
      } else {
        values_[name] = it->second.typed;
      }
    }
  }

  void ReadCluster() {
    config_.cluster_name = ReadString("cluster_name", true).value_or("");
    if (std::optional<std::string> url = ReadString("bootstrap_url", true)) {
      if (url->size() <= 1) {
        Error("bootstrap_url",
              "Should be a url (http://example.com/bar or file:///path/to/local/cache)");
      } else if (url->back() == '/') {
        Error("bootstrap_url", "Must not end in a '/'");
      }
      config_.bootstrap_url = *url;
    }
    config_.superuser_username = ReadString("superuser_username").value_or("");
    if (std::optional<std::string> hash = ReadString("superuser_password_hash")) {
      if (!IsCryptHash(*hash)) {
        Error("superuser_password_hash",
              "Must be a crypt(3) password hash such as $6$<salt>$<hash>; create one with "
              "`flightcheck hash-password`");
      }
      config_.superuser_password_hash = *hash;
    }
    config_.check_time = BoolOr("check_time", true);
  }

  void ReadMasters() {
    const std::optional<std::string> discovery =
        ReadChoice("master_discovery", kMasterDiscoveries, true);
    const bool is_static = discovery == "static";
    const auto masters =
        ReadAddresses("master_list", false, is_static || mode_ == ConfigMode::kSsh);
    const auto agents = ReadAddresses("agent_list", false);
    const auto public_agents = ReadAddresses("public_agent_list", false);
    CheckDisjoint("master_list", masters, "agent_list", agents);
    CheckDisjoint("master_list", masters, "public_agent_list", public_agents);
    CheckDisjoint("agent_list", agents, "public_agent_list", public_agents);
    config_.master_list = masters.value_or(std::vector<std::string>{});
    config_.agent_list = agents.value_or(std::vector<std::string>{});
    config_.public_agent_list = public_agents.value_or(std::vector<std::string>{});
    config_.master_discovery = discovery.value_or("");

    if (is_static) {
      if (entries_.count("num_masters") != 0) {
        Error("num_masters",
              "num_masters must be calculated, but was explicitly set in the configuration. "
              "Remove it from the configuration.");
      } else if (masters) {
        CheckMasterCount(static_cast<int64_t>(masters->size()), "master_list");
      }
    } else if (discovery) {  // master_http_loadbalancer
      ReadString("exhibitor_address", true);
      if (std::optional<int64_t> count = ReadInt("num_masters", kIntMin, kIntMax, true)) {
        CheckMasterCount(*count, "num_masters");
      }
    }
  }

  void ReadExhibitor() {
    const std::optional<std::string> backend =
        ReadChoice("exhibitor_storage_backend", kExhibitorBackends, true);
    config_.exhibitor_storage_backend = backend.value_or("");
    if (!backend) return;
    if (*backend == "static" && !config_.master_discovery.empty() &&
        config_.master_discovery != "static") {
      const std::string message =
          "When master_discovery is not static, exhibitor_storage_backend must be non-static. "
          "Having a variable list of masters which are discovered by agents using the "
          "master_discovery method but also having a fixed list of master IPs known at install "
          "time does not work.";
      Error("master_discovery", message);
      Error("exhibitor_storage_backend", message);
    }
    std::map<std::string, std::string, std::less<>> strings;
    if (const auto it = kBackendKeys.find(*backend); it != kBackendKeys.end()) {
      for (const std::string& key : it->second) {
        if (std::optional<std::string> value = ReadString(key, true)) strings[key] = *value;
      }
    }
    if (const auto hosts = strings.find("exhibitor_zk_hosts");
        hosts != strings.end() && StartsWith(hosts->second, "zk://")) {
      Error("exhibitor_zk_hosts",
            "Must be of the form `host:port,host:port', not start with zk://");
    }
    if (const auto znode = strings.find("exhibitor_zk_path");
        znode != strings.end() && !StartsWith(znode->second, "/")) {
      Error("exhibitor_zk_path", "Must be of the form /path/to/znode");
    }
    if (*backend == "aws_s3") {
      RequirePresent("exhibitor_explicit_keys");
      if (BoolOr("exhibitor_explicit_keys", false)) {
        ReadString("aws_access_key_id", true);
        ReadString("aws_secret_access_key", true);
      }
    }
  }

  void ReadNetwork() {
    config_.resolvers = ReadAddresses("resolvers", true).value_or(config_.resolvers);
    ReadAddresses("dns_bind_ip_blacklist", false);
    if (std::optional<std::string> search = ReadString("dns_search")) {
      const size_t domains = SplitFields(*search, " \t").size();
      if (search->find('\n') != std::string::npos) {
        Error("dns_search", "Must not contain a newline");
      } else if (search->find(',') != std::string::npos) {
        Error("dns_search", "Commas are not allowed");
      } else if (search->size() >= 256) {
        Error("dns_search", "Must be less than 256 characters long");
      } else if (domains > 6) {
        Error("dns_search", "Must contain no more than 6 domains");
      }
      config_.dns_search = *search;
    }
    if (BoolOr("use_proxy", false)) {
      for (const char* key : {"http_proxy", "https_proxy"}) {
        const std::optional<std::string> url = ReadString(key, true);
        if (url && HasUrlCredentials(*url)) {
          Warning(key,
                  "the user and password in this URL stay on the coordinator: the artifact is "
                  "served to the nodes without them. Give the nodes the proxy credentials "
                  "another way, or use a proxy that does not need them.");
        }
      }
    }
    ReadList("no_proxy");

    if (std::optional<PathValue> script = ReadPath("ip_detect_filename", "genconf/ip-detect")) {
      config_.ip_detect_path = script->resolved;
      RequireFile("ip_detect_contents", *script, "ip-detect script", "ip_detect_filename");
    }
    if (std::optional<PathValue> script = ReadPath("ip_detect_public_filename", "")) {
      RequireFile("ip_detect_public_contents", *script, "ip-detect script",
                  "ip_detect_public_filename");
    }
  }

  void ReadSsh() {
    config_.ssh_user = ReadString("ssh_user", mode_ == ConfigMode::kSsh).value_or("");
    config_.ssh_port = ReadIntOr("ssh_port", 1, 32000, config_.ssh_port);
    config_.ssh_parallelism = ReadIntOr("ssh_parallelism", 1, 100, config_.ssh_parallelism);
    config_.process_timeout = ReadIntOr("process_timeout", 1, kIntMax, config_.process_timeout);
    config_.ssh_connect_timeout =
        ReadIntOr("ssh_connect_timeout", 1, 300, config_.ssh_connect_timeout);
    config_.ssh_accept_new_host_keys = BoolOr("ssh_accept_new_host_keys", false);

    if (const Entry* options = Get("extra_ssh_options"); options && options->typed.is_string()) {
      // A string is split on spaces as DC/OS did (no shell quoting); a list is taken as is.
      for (std::string_view option :
           SplitFields(options->typed.get_ref<const std::string&>(), " ")) {
        config_.extra_ssh_options.emplace_back(option);
      }
      values_["extra_ssh_options"] = config_.extra_ssh_options;
    } else {
      config_.extra_ssh_options =
          ReadList("extra_ssh_options").value_or(std::vector<std::string>{});
    }
    for (const std::string& message : WeakenedHostKeyChecks(config_.extra_ssh_options)) {
      Error("extra_ssh_options", message);
    }

    if (std::optional<PathValue> key = ReadPath("ssh_key_path", "genconf/ssh_key")) {
      config_.ssh_key_path = key->resolved;
      if (mode_ == ConfigMode::kSsh) CheckSshKey(*key);
    }
    // Without the key (a DC/OS config has none): genconf/ssh_known_hosts when it is there,
    // otherwise ssh's own known-hosts files, checked as strictly.
    const bool install_known_hosts = Exists(Resolve(kInstallKnownHosts));
    if (std::optional<PathValue> known_hosts =
            ReadPath("ssh_known_hosts_file", install_known_hosts ? kInstallKnownHosts : "")) {
      config_.ssh_known_hosts_path = known_hosts->resolved;
      if (mode_ == ConfigMode::kSsh && !config_.ssh_accept_new_host_keys &&
          !Exists(known_hosts->resolved)) {
        Error("ssh_known_hosts_file",
              fmt::format("known hosts file `{}` must exist: add the hosts' keys to it, or set "
                          "ssh_accept_new_host_keys: true to record them on first connection",
                          known_hosts->written));
      }
    }
  }

  void ReadInstall() {
    if (std::optional<PathValue> payload = ReadPath("payload", "")) {
      if (!payload->written.ends_with(".tar") && !payload->written.ends_with(".tar.gz") &&
          !payload->written.ends_with(".tgz")) {
        Error("payload", "Must be a .tar, .tar.gz or .tgz archive");
      } else {
        RequireFile("payload", *payload, "payload", "payload");
      }
      config_.payload_path = payload->resolved;
    }
    if (std::optional<std::string> prefix = ReadString("install_prefix")) {
      if (!StartsWith(*prefix, "/")) {
        Error("install_prefix", "Must be an absolute filesystem path starting with /");
      }
      config_.install_prefix = *prefix;
    }
    for (const std::string& rule_file :
         ReadList("custom_rules").value_or(std::vector<std::string>{})) {
      const PathValue file{rule_file, Resolve(rule_file)};
      RequireFile("custom_rules", file, "rule file", "custom_rules");
      config_.custom_rules.push_back(file.resolved);
    }
    if (std::optional<PathValue> sources = ReadPath("bundle_sources", "")) {
      RequireFile("bundle_sources", *sources, "bundle sources file", "bundle_sources");
      config_.bundle_sources_path = sources->resolved;
      if (mode_ != ConfigMode::kNode && Exists(sources->resolved)) CheckBundleSources(*sources);
    }
    config_.builtin_rules = BoolOr("builtin_rules", true);
    config_.skip_checks = ReadList("skip_checks").value_or(std::vector<std::string>{});
    config_.postflight_timeout =
        ReadIntOr("postflight_timeout", 1, kIntMax, config_.postflight_timeout);
    ReadHealthDaemon();
    if (mode_ == ConfigMode::kSsh) CheckPackedRules();
  }

  // The file every node's support bundle will collect by: its problems now, not on every node
  // when a bundle is wanted.
  void CheckBundleSources(const PathValue& file) {
    Result<std::string> text = ReadWholeFile(file.resolved, kMaxBundleSourcesBytes);
    if (!text) {
      Error("bundle_sources", text.error().message());
      return;
    }
    BundleSourcesLoad load = ParseBundleSources(*text, file.written);
    if (load.ok()) {
      // Nodes extend their built-in sources by this file: what it disables must be there.
      const BuiltinRuleFile& builtin = BundleSourceFiles().at(0);
      load = ExtendBundleSources(ParseBundleSources(builtin.text, builtin.name).sources,
                                 load.sources, file.written);
    }
    for (const std::string& problem : load.problems) Error("bundle_sources", problem);
  }

  // genconf loads the rule files it packs and refuses a skip_checks entry that names none of
  // their rules; validate-config (ssh mode) reports the same, so a config it passes is one
  // genconf takes. genconf mode leaves them to genconf, which prints rule files' diagnostics in
  // their own format.
  void CheckPackedRules() {
    if (failed_.count("custom_rules") != 0 || failed_.count("builtin_rules") != 0) return;
    DiagnosticList diagnostics;
    const std::vector<SourceFile> files =
        ArtifactRuleSources(config_.builtin_rules, config_.custom_rules, &diagnostics);
    LoadResult loaded;
    if (diagnostics.empty()) {
      loaded = LoadRules(files, ProbeRegistry::Global());
      diagnostics = std::move(loaded.diagnostics);
    }
    for (const Diagnostic& d : diagnostics.diagnostics()) {
      Error("custom_rules", d.line == 0
                                ? fmt::format("{}: {}", d.path, d.message)
                                : fmt::format("{}:{}:{}: {}", d.path, d.line, d.column, d.message));
    }
    if (!diagnostics.empty() || failed_.count("skip_checks") != 0) return;
    for (const std::string& skip : config_.skip_checks) {
      if (std::string problem = SkipEntryProblem(skip, loaded.rules.rules); !problem.empty()) {
        Error("skip_checks", std::move(problem));
      }
    }
  }

  // --- Problems.

  // An error on key, placed at the value of position_key (default: key itself).
  void Error(std::string_view key, std::string message, std::string_view position_key = {}) {
    const auto it = entries_.find(position_key.empty() ? key : position_key);
    const YamlNode* at = it == entries_.end() ? nullptr : it->second.value;
    // Values are echoed in messages; one problem stays one line whatever they hold.
    problems_.push_back(
        {std::string(key), EscapeControl(message), false, at ? at->line : 0, at ? at->column : 0});
    failed_.insert(std::string(key));
  }

  // A warning on key, placed at its value.
  void Warning(std::string_view key, std::string message) {
    const auto it = entries_.find(key);
    const YamlNode* at = it == entries_.end() ? nullptr : it->second.value;
    problems_.push_back(
        {std::string(key), EscapeControl(message), true, at ? at->line : 0, at ? at->column : 0});
  }

  void RequirePresent(std::string_view key) {
    if (entries_.find(key) == entries_.end()) {
      Error(key, fmt::format("Must set {}, no way to calculate value.", key));
    }
  }

  // --- Readers. Each returns nullopt when the key is absent (reporting it when required) or its
  // value is wrong (reported), and records the normalised value in values_.

  const Entry* Get(std::string_view key, bool required = false) {
    if (required) RequirePresent(key);
    const auto it = entries_.find(key);
    return it == entries_.end() || failed_.count(key) != 0 ? nullptr : &it->second;
  }

  // What the user wrote, for messages: the scalar's text, or the JSON of a list or map.
  static std::string Shown(const Entry& entry) {
    return entry.value->IsScalar() ? entry.value->scalar : DumpJson(entry.typed);
  }

  // DC/OS turned every int and bool into a string before validating, so `cluster_name: 123` is
  // the string "123"; floats, lists and maps are refused.
  void ReadHealthDaemon() {
    config_.health_daemon = BoolOr("health_daemon", false);
    config_.health_units = ReadList("health_units").value_or(std::vector<std::string>{});
    for (const std::string& unit : config_.health_units) {
      if (Trim(unit).empty()) Error("health_units", "Must not contain an empty unit name");
    }
    bool loopback = true;
    if (std::optional<std::string> listen = ReadString("health_listen")) {
      Result<HostPort> address = ParseHostPort(*listen, -1);
      if (!address || address->port < 0 || !IsIpAddress(address->host)) {
        Error("health_listen",
              fmt::format("Must be an IP address and a port, e.g. 127.0.0.1:1050 or 0.0.0.0:1050; "
                          "got `{}`",
                          *listen));
        return;
      }
      loopback = IsLoopbackAddress(address->host);
      config_.health_listen = *listen;
    }
    if (std::optional<std::string> token = ReadString("health_token_file")) {
      if (!StartsWith(*token, "/")) {
        Error("health_token_file",
              "Must be an absolute path on the nodes, e.g. /etc/flightcheck/token");
      }
      config_.health_token_file = *token;
    }
    if (!loopback && config_.health_token_file.empty()) {
      Error("health_listen",
            fmt::format("`{}` is not a loopback address: the daemon then requires a bearer token; "
                        "set health_token_file to a file (mode 0600) present on every node",
                        config_.health_listen));
    }
  }

  std::optional<std::string> ReadString(std::string_view key, bool required = false) {
    const Entry* entry = Get(key, required);
    if (entry == nullptr) return std::nullopt;
    const json& value = entry->typed;
    if (!value.is_string() && !value.is_number_integer() && !value.is_boolean()) {
      Error(key, fmt::format("Must be a string but got {}: {}", WithArticle(TypeName(value)),
                             Shown(*entry)));
      return std::nullopt;
    }
    std::string text = value.is_string() ? value.get<std::string>() : DumpJson(value);
    values_[std::string(key)] = text;
    return text;
  }

  std::optional<std::string> ReadChoice(std::string_view key,
                                        const std::vector<std::string>& choices, bool required) {
    std::optional<std::string> value = ReadString(key, required);
    if (value && std::find(choices.begin(), choices.end(), *value) == choices.end()) {
      std::vector<std::string> quoted;
      for (const std::string& choice : choices) quoted.push_back("'" + choice + "'");
      Error(key, fmt::format("Must be one of {}. Got '{}'.", JoinStrings(quoted), *value));
      return std::nullopt;
    }
    return value;
  }

  // YAML booleans, and the strings "true" and "false" that DC/OS's stringified values allowed.
  std::optional<bool> ReadBool(std::string_view key) {
    const Entry* entry = Get(key);
    if (entry == nullptr) return std::nullopt;
    const json& value = entry->typed;
    if (!value.is_boolean() && value != "true" && value != "false") {
      Error(key, fmt::format("Must be one of 'true', 'false'. Got '{}'.", Shown(*entry)));
      return std::nullopt;
    }
    const bool result = value.is_boolean() ? value.get<bool>() : value == "true";
    values_[std::string(key)] = result;
    return result;
  }

  bool BoolOr(std::string_view key, bool fallback) const {
    const auto it = bools_.find(key);
    return it == bools_.end() ? fallback : it->second;
  }

  // An integer, or a string holding one as DC/OS accepted, in [min, max].
  std::optional<int64_t> ReadInt(std::string_view key, int min, int max, bool required = false) {
    const Entry* entry = Get(key, required);
    if (entry == nullptr) return std::nullopt;
    const json& value = entry->typed;
    std::optional<int64_t> number;
    if (value.is_number_integer()) number = value.get<int64_t>();
    if (value.is_string()) number = ParseInt64(value.get_ref<const std::string&>());
    // An integer literal too large for 64 bits arrives as a float: it is out of range, not
    // "a float".
    const std::string shown = Shown(*entry);
    const bool integer_literal =
        !shown.empty() &&
        shown.find_first_not_of("0123456789", shown[0] == '-' ? 1 : 0) == std::string::npos;
    if (!number && !integer_literal) {
      Error(key,
            fmt::format("Must be an integer but got {}: {}", WithArticle(TypeName(value)), shown));
      return std::nullopt;
    }
    if (!number || *number < min || *number > max) {
      Error(key, max == kIntMax ? fmt::format("Must be at least {}", min)
                                : fmt::format("Must be between {} and {} inclusive", min, max));
      return std::nullopt;
    }
    values_[std::string(key)] = *number;
    return number;
  }

  int ReadIntOr(std::string_view key, int min, int max, int fallback) {
    return static_cast<int>(ReadInt(key, min, max).value_or(fallback));
  }

  // A YAML list of strings, or a string holding a JSON list of strings as DC/OS wanted.
  std::optional<std::vector<std::string>> ReadList(std::string_view key, bool required = false) {
    const Entry* entry = Get(key, required);
    if (entry == nullptr) return std::nullopt;
    json list = entry->typed;
    // A plain value where a list belongs (`master_list: 10.0.0.1`) is the usual mistake; a string
    // that starts like a list is DC/OS's JSON form, and its syntax errors are reported as such.
    if (!list.is_array() &&
        (!list.is_string() || !Trim(list.get<std::string>()).starts_with('['))) {
      NotAList(key, *entry, list);
      return std::nullopt;
    }
    if (list.is_string()) {
      const std::string text = list.get<std::string>();
      try {  // nlohmann reports the position of a syntax error only through its exception
        list = json::parse(text);
      } catch (const json::parse_error& e) {
        const size_t byte = e.byte;
        Error(key, fmt::format("Must be a JSON formatted list, but couldn't be parsed the given "
                               "value `{}` as one because of: invalid JSON near character {}",
                               text, byte));
        return std::nullopt;
      } catch (const json::exception& e) {  // out_of_range: a number such as 1e400
        Error(key, fmt::format("Must be a JSON formatted list, but the given value `{}` holds a "
                               "number that is out of range",
                               text));
        return std::nullopt;
      }
    }
    if (!list.is_array()) {
      NotAList(key, *entry, list);
      return std::nullopt;
    }
    std::vector<std::string> strings, invalid;
    for (const json& item : list) {
      if (item.is_string()) {
        strings.push_back(item.get<std::string>());
      } else {
        invalid.push_back(DumpJson(item) + " type " + TypeName(item));
      }
    }
    if (!invalid.empty()) {
      Error(key, "Items in list must be strings, got invalid values: " + JoinStrings(invalid));
      return std::nullopt;
    }
    values_[std::string(key)] = list;
    return strings;
  }

  void NotAList(std::string_view key, const Entry& entry, const json& value) {
    Error(key, fmt::format("Must be a list, e.g. {}; got {}: {}", ListExample(key),
                           WithArticle(TypeName(value)), Shown(entry)));
  }

  // A list of distinct IPv4 addresses, each with an optional ":port" when with_port.
  std::optional<std::vector<std::string>> ReadAddresses(std::string_view key, bool with_port,
                                                        bool required = false) {
    std::optional<std::vector<std::string>> list = ReadList(key, required);
    if (!list) return std::nullopt;
    std::vector<std::string> invalid;
    bool port_out_of_range = false;
    for (const std::string& item : *list) {
      std::string address = item;
      if (const size_t colon = item.find(':'); with_port && colon != std::string::npos) {
        address = item.substr(0, colon);
        const std::optional<int64_t> port = ParseInt64(std::string_view(item).substr(colon + 1));
        if (!port) address = item;  // reported whole, as not an address
        port_out_of_range = port_out_of_range || (port && (*port < 1 || *port > 65535));
      }
      if (!IsIpv4(address)) invalid.push_back(item);
    }
    if (!invalid.empty()) {
      Error(key, "Invalid IPv4 addresses in list: " + JoinStrings(invalid));
      return std::nullopt;
    }
    if (port_out_of_range) {
      Error(key, "Must be between 1 and 65535 inclusive");
      return std::nullopt;
    }
    std::vector<std::string> order;
    std::map<std::string, int, std::less<>> counts;
    for (const std::string& item : *list) {
      if (counts[item]++ == 0) order.push_back(item);
    }
    std::vector<std::string> duplicates;
    for (const std::string& item : order) {
      if (counts[item] > 1)
        duplicates.push_back(fmt::format("{} appears {} times", item, counts[item]));
    }
    if (!duplicates.empty()) {
      Error(key, "List cannot contain duplicates: " + JoinStrings(duplicates));
      return std::nullopt;
    }
    return list;
  }

  fs::path Resolve(const std::string& written) const {
    const fs::path path(written);
    return path.is_absolute() ? path : config_.install_dir / path;
  }

  // A path key, or fallback when it is absent; nullopt when it is wrong or absent with no fallback.
  std::optional<PathValue> ReadPath(std::string_view key, std::string_view fallback) {
    std::optional<std::string> written =
        entries_.count(key) != 0 ? ReadString(key) : std::optional<std::string>(fallback);
    if (!written || written->empty()) return std::nullopt;
    return PathValue{*written, Resolve(*written)};
  }

  // On the coordinator, "<what> `<path>` must exist" on key, placed at position_key's value.
  void RequireFile(std::string_view key, const PathValue& file, std::string_view what,
                   std::string_view position_key) {
    if (mode_ != ConfigMode::kNode && !Exists(file.resolved)) {
      Error(key, fmt::format("{} `{}` must exist", what, file.written), position_key);
    }
  }

  // ssh refuses a key others can read and cannot prompt for a passphrase from a fan-out.
  void CheckSshKey(const PathValue& key) {
    if (!Exists(key.resolved)) {
      Error("ssh_key_path", "could not find ssh private key: " + key.written);
      return;
    }
    struct stat info {};
    if (::stat(key.resolved.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      Error("ssh_key_path",
            "ssh_key_path must be only read / write / executable by the owner. It may not be "
            "read / write / executable by group, or other.");
    }
    Result<std::string> text = ReadWholeFile(key.resolved, 1 << 20);
    if (!text) {
      Error("ssh_key_path", text.error().message());
      return;
    }
    // Only a key known to be encrypted is refused: one in a format this does not read is left
    // for ssh to judge when it connects.
    const Result<SshPrivateKeyInfo> format = InspectSshPrivateKey(*text);
    if (format && format->encrypted) {
      Error("ssh_key_path",
            "Encrypted SSH keys (which contain passphrases) are not allowed. Use a key without a "
            "passphrase.");
    }
  }

  // DC/OS reports the same duplicate on both lists; it hard-coded "master_list and agent_list".
  void CheckDisjoint(std::string_view a_key, const std::optional<std::vector<std::string>>& a,
                     std::string_view b_key, const std::optional<std::vector<std::string>>& b) {
    if (!a || !b) return;
    std::vector<std::string> shared;
    for (const std::string& address : *a) {
      if (std::find(b->begin(), b->end(), address) != b->end()) shared.push_back(address);
    }
    if (shared.empty()) return;
    const std::string message =
        fmt::format("{} and {} cannot contain duplicates {}", a_key, b_key, JoinStrings(shared));
    Error(a_key, message);
    Error(b_key, message);
  }

  // Keyed on num_masters as in DC/OS, placed at whichever key gave the count.
  void CheckMasterCount(int64_t count, std::string_view position_key) {
    if (count != 1 && count != 3 && count != 5 && count != 7 && count != 9) {
      Error("num_masters", fmt::format("Must have 1, 3, 5, 7, or 9 masters. Found {}", count),
            position_key);
    }
  }

  const YamlNode& root_;
  const ConfigMode mode_;
  ClusterConfig config_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::set<std::string, std::less<>> failed_;  // keys with an error: never read again
  std::map<std::string, bool, std::less<>> bools_;
  json values_ = json::object();
  std::vector<ConfigProblem> problems_;
};

}  // namespace

std::string FormatProblem(const ConfigProblem& problem) {
  return problem.key.empty() ? problem.message : problem.key + ": " + problem.message;
}

std::string FormatProblemAt(const ConfigProblem& problem, std::string_view path) {
  const std::string text = (problem.warning ? "warning: " : "") + FormatProblem(problem);
  if (problem.key.empty() || problem.line == 0) return text;
  return fmt::format("{}:{}:{}: {}", path, problem.line, problem.column, text);
}

bool ConfigLoad::HasErrors() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const ConfigProblem& p) { return !p.warning; });
}

bool ConfigLoad::HasWarnings() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const ConfigProblem& p) { return p.warning; });
}

ConfigLoad LoadClusterConfig(const fs::path& path, ConfigMode mode) {
  Result<std::string> text = ReadWholeFile(path, 16 << 20);
  if (!text && text.error().IsNotFound()) {
    return FileProblem(fmt::format(
        "No config file found at {}. Write one with the keys described in docs/config.md.",
        path.string()));
  }
  if (!text) return FileProblem(text.error().message());
  return ParseClusterConfig(*text, path, mode);
}

ConfigLoad ParseClusterConfig(std::string_view text, const fs::path& path, ConfigMode mode) {
  YamlSyntaxError syntax;
  Result<YamlNode> root = ParseYaml(text, &syntax);
  if (!root) {
    return FileProblem(fmt::format("{}:{}:{}: invalid YAML: {}", path.string(), syntax.line,
                                   syntax.column, syntax.message),
                       syntax.line, syntax.column);
  }
  if (root->IsNull()) {
    return FileProblem(fmt::format(
        "{}: the file is empty; it must be a map of config keys to values (see docs/config.md)",
        path.string()));
  }
  if (!root->IsMap()) {
    return FileProblem(
        fmt::format("{}:{}:{}: must be a map of config keys to values, not {}", path.string(),
                    root->line, root->column, root->IsSequence() ? "a list" : "a single value"),
        root->line, root->column);
  }
  return Validator(*root, path, mode).Run();
}

}  // namespace flightcheck
