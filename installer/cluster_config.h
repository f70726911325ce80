// genconf/config.yaml: the cluster description the install driver validates, renders and hashes.
//
// The keys and most messages are those of the DC/OS installer (docs/config.md lists them), so a
// DC/OS config.yaml loads unchanged. Validation reports every problem in one pass as "key: message"
// and fixes DC/OS's defects: a null or float value is a message, not a crash; an unknown key is a
// warning with a "did you mean" (callers make warnings fatal with --strict); a key written twice
// is an error naming both lines; a duplicate between two IP lists names the two lists involved.
//
// Values; pure functions except for the file checks of LoadClusterConfig/ParseClusterConfig in
// kGenconf and kSsh modes, which stat and read the files the config names. Thread-safe. Nothing
// throws: every failure is a ConfigProblem.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/variables.h"

namespace flightcheck {

// Which checks apply beyond the cluster keys.
enum class ConfigMode {
  kNode,     // the rendered config on a node: no file is looked at
  kGenconf,  // on the coordinator: ip-detect, payload and custom_rules files must exist
  kSsh,      // kGenconf plus ssh_user, a usable ssh key (exists, mode 0600 or stricter, no
             // passphrase), when ssh_known_hosts_file is set that file unless
             // ssh_accept_new_host_keys is true, and what genconf would refuse: rule files
             // (built-in unless builtin_rules is false, custom_rules) that do not load, and a
             // skip_checks entry that names none of their preflight or postflight rules
};

struct ConfigProblem {
  std::string key;  // the config key; "" for a problem with the file as a whole
  std::string message;
  bool warning = false;
  // 1-based position of the offending value (of the key itself for unknown and duplicate keys);
  // 0 when there is none, e.g. for a missing key.
  int line = 0;
  int column = 0;
};

// "key: message", or just the message when key is "" (it then starts with the file's path).
std::string FormatProblem(const ConfigProblem& problem);

// A problem as the commands print it, one convention with the file's own problems and with rule
// files' diagnostics: "<path>:<line>:<column>: key: message" ("...: warning: key: message" for a
// warning), the position being that of the key's value. A problem without a position (a missing
// key) is "key: message" ("warning: key: message"); one with key "" is its message, which
// starts with the path.
std::string FormatProblemAt(const ConfigProblem& problem, std::string_view path);

// A validated config with defaults applied. Every std::filesystem::path member except `path` is
// resolved against install_dir.
struct ClusterConfig {
  std::filesystem::path path;  // the config file, as given
  // Relative paths in the config resolve against this: the parent of the config's directory when
  // that directory is named "genconf" (the layout <install_dir>/genconf/config.yaml), otherwise
  // the config's directory itself. Absolute.
  std::filesystem::path install_dir;

  std::string cluster_name, bootstrap_url, master_discovery, exhibitor_storage_backend;
  std::vector<std::string> master_list, agent_list, public_agent_list;
  std::vector<std::string> resolvers = {"8.8.8.8", "8.8.4.4"};  // "ip" or "ip:port"
  std::string dns_search;
  std::filesystem::path ip_detect_path;  // ip_detect_filename, default genconf/ip-detect

  std::string ssh_user;
  int ssh_port = 22;
  std::filesystem::path ssh_key_path;  // default genconf/ssh_key
  int ssh_parallelism = 20;
  int process_timeout = 120;     // seconds per remote command
  int ssh_connect_timeout = 10;  // seconds, 1..300
  // ssh_known_hosts_file; host keys are checked strictly against it, and unknown hosts are added
  // to it only when ssh_accept_new_host_keys is true. Without the key: genconf/ssh_known_hosts
  // when that file exists, otherwise empty, meaning ssh's own files (~/.ssh/known_hosts,
  // /etc/ssh/ssh_known_hosts), checked as strictly.
  std::filesystem::path ssh_known_hosts_path;
  bool ssh_accept_new_host_keys = false;
  std::vector<std::string> extra_ssh_options;  // written as a string split on spaces, or a list

  std::string superuser_username;
  std::string superuser_password_hash;  // crypt(3) format ("$6$salt$hash") when set
  bool check_time = true;

  std::filesystem::path payload_path;  // `payload`: a .tar, .tar.gz or .tgz to install; optional
  std::string install_prefix = "/opt/mesosphere";   // absolute
  std::vector<std::filesystem::path> custom_rules;  // extra rule files
  bool builtin_rules = true;                        // false: only custom_rules
  std::vector<std::string> skip_checks;             // rule ids or globs never run anywhere
  int postflight_timeout = 900;                     // seconds, >= 1
  // The health daemon (`flightcheck serve`) install.sh sets up on every node (docs/serve.md).
  bool health_daemon = false;
  std::vector<std::string> health_units;         // unit names or globs; empty: the payload's units
  std::string health_listen = "127.0.0.1:1050";  // an IP address and a port
  // `bundle_sources`: a BundleSources file (runner/bundle_sources.h) extending the built-in
  // support bundle sources on every node; packed as bundle.yaml. Empty: none.
  std::filesystem::path bundle_sources_path;
  std::string health_token_file;  // absolute path on the nodes; required unless loopback

  // Every key the user wrote, with the value normalised to the key's type (a list given as a JSON
  // string is a list, "22" for an integer key is 22); unknown keys as written. Defaults are not
  // added: the node applies them again when it loads the rendered config.
  nlohmann::json values = nlohmann::json::object();
};

struct ConfigLoad {
  std::optional<ClusterConfig> config;  // set when there are no errors (warnings allowed)
  // Errors first, then warnings; each group sorted by position (line, column; none first), then
  // key.
  std::vector<ConfigProblem> problems;

  bool HasErrors() const;
  bool HasWarnings() const;
};

// Reads and validates the file at path. A missing or unreadable file, a YAML syntax error (with
// path:line:column and libyaml's text), an empty file and a top level that is not a map are each
// a single problem with key "".
ConfigLoad LoadClusterConfig(const std::filesystem::path& path, ConfigMode mode);

// The same with the text given; path is used for messages and to find install_dir.
ConfigLoad ParseClusterConfig(std::string_view text, const std::filesystem::path& path,
                              ConfigMode mode);

// True for keys whose values are secrets: superuser_password_hash, cluster_docker_credentials,
// license_key_contents and any key ending in _password, _secret, _key, _token or _credentials
// (aws_secret_access_key, exhibitor_azure_account_key, ...). ssh_key_path is a path, not a secret.
// Support bundles redact these.
bool IsSecretConfigKey(std::string_view key);

// The string values of the config's secret keys: what support bundles remove wherever it appears.
std::vector<std::string> SecretConfigValues(const ClusterConfig& config);

// The ${...} variables rules see on a cluster:
//   master_list, agent_list, public_agent_list, resolvers  lists of strings
//   master_count            int: the size of master_list, or num_masters when masters are
//                           discovered through master_http_loadbalancer
//   cluster_name, bootstrap_url, master_discovery, exhibitor_storage_backend, dns_search,
//   install_prefix          strings
//   ssh_user                string, only when set (so "${ssh_user:-centos}" works)
Variables ClusterVariables(const ClusterConfig& config);

// The config as it goes into the install artifact: YAML that loads back in kNode mode, one
// top-level key per line in sorted order, values as JSON flow text. Secret keys
// (IsSecretConfigKey) and coordinator-only keys are removed: ssh_*, extra_ssh_options,
// process_timeout, postflight_timeout, payload, custom_rules and the *_filename keys (the files
// they name ship in the artifact). Deterministic: the same config gives the same bytes, whatever
// the key order of the file.
std::string RenderNodeConfig(const ClusterConfig& config);

// Lower-case hex SHA-256 of everything genconf packs from the config (the rendered node config,
// the rules' variables, the bytes of the files it names: ip-detect scripts, payload, custom rules)
// and of its secrets, independent of key order: the "config hash" the deploy gate compares and
// the artifact records. Keys that only steer the coordinator (ConfigKeyUse::kCoordinator:
// ssh_*, process_timeout, postflight_timeout...) are not in it, so changing them does not ask
// for genconf or void a passing preflight; editing an ip-detect script does. Reads those files
// (an unreadable one hashes as unreadable). Empty only if OpenSSL cannot compute SHA-256.
std::string ConfigHash(const ClusterConfig& config);

// ConfigHash of the config without its agent lists (agent_list, public_agent_list): what stays
// the same when a cluster is scaled out, so a host installed before is recognised as one of it.
std::string ClusterHash(const ClusterConfig& config);

}  // namespace flightcheck
