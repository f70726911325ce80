// What a validated config becomes: the rules' variables, the node's cluster.yaml and the config
// hash (installer/cluster_config.h).
#include "installer/cluster_config.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "checks/sha256.h"
#include "checks/text.h"
#include "installer/cluster_config_keys.h"
#include "runner/secret_policy.h"

namespace flightcheck {
namespace {

using nlohmann::json;

// The files genconf packs, by key: the defaults the validator applied, and any other kPacked key
// the config sets (resolved as the validator resolves paths).
std::vector<std::pair<std::string, std::filesystem::path>> PackedFiles(
    const ClusterConfig& config) {
  std::vector<std::pair<std::string, std::filesystem::path>> files = {
      {"ip_detect_filename", config.ip_detect_path}};
  if (!config.payload_path.empty()) files.emplace_back("payload", config.payload_path);
  for (const std::filesystem::path& rules : config.custom_rules) {
    files.emplace_back("custom_rules", rules);
  }
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    if (UseOfConfigKey(it.key()) != ConfigKeyUse::kPacked || !it.value().is_string()) continue;
    if (it.key() == "ip_detect_filename" || it.key() == "payload") continue;
    files.emplace_back(it.key(), config.install_dir / it.value().get<std::string>());
  }
  return files;
}

std::string RenderKey(const std::string& key) {
  // Plain only when YAML cannot read it as anything but this string: [a-z_][a-z0-9_]*, not null.
  const auto word = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool plain =
      !key.empty() && word(key[0]) && key != "null" &&
      std::all_of(key.begin(), key.end(), [&](char c) { return word(c) || digit(c); });
  return plain ? key : DumpJson(json(key));
}

}  // namespace

Variables ClusterVariables(const ClusterConfig& config) {
  Variables variables = {
      {"master_list", config.master_list},
      {"agent_list", config.agent_list},
      {"public_agent_list", config.public_agent_list},
      {"resolvers", config.resolvers},
      {"master_count", config.values.value("num_masters", config.master_list.size())},
      {"cluster_name", config.cluster_name},
      {"bootstrap_url", config.bootstrap_url},
      {"master_discovery", config.master_discovery},
      {"exhibitor_storage_backend", config.exhibitor_storage_backend},
      {"dns_search", config.dns_search},
      {"install_prefix", config.install_prefix},
  };
  if (!config.ssh_user.empty()) variables["ssh_user"] = config.ssh_user;
  if (!config.health_units.empty()) variables["health_units"] = config.health_units;
  return variables;
}

std::string RenderNodeConfig(const ClusterConfig& config) {
  // JSON flow values are YAML that keeps its types on the way back (strings stay quoted), and
  // nlohmann's objects iterate in key order, which makes the bytes deterministic.
  std::string text = "# Rendered by flightcheck: secrets and coordinator-only keys removed.\n";
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    if (UseOfConfigKey(it.key()) != ConfigKeyUse::kRendered) continue;
    // The artifact is served to anyone who can reach the bootstrap node: a password inside a URL
    // (http_proxy: http://user:password@proxy) stays on the coordinator.
    text += RenderKey(it.key()) + ": " + RemoveUrlCredentials(DumpJson(it.value())) + "\n";
  }
  return text;
}

std::string ConfigHash(const ClusterConfig& config) {
  // Every value but the coordinator's own (secrets and credentials in URLs included: they are not
  // packed, but change what a node is given by other means), the rules' variables, and the bytes
  // of the files genconf packs in place of their paths.
  nlohmann::json values = nlohmann::json::object();
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    const ConfigKeyUse use = UseOfConfigKey(it.key());
    if (use != ConfigKeyUse::kCoordinator && use != ConfigKeyUse::kPacked) {
      values[it.key()] = it.value();
    }
  }
  std::string canonical = DumpJson(values) + "\n" + DumpJson(json(ClusterVariables(config))) + "\n";
  for (const auto& [key, path] : PackedFiles(config)) {
    // An unreadable file hashes as such: the stage then asks for genconf, which names the error.
    Result<std::string> digest = Sha256FileHex(path);
    canonical += fmt::format("{} {} {}\n", key, path.filename().string(),
                             digest ? *digest : "unreadable: " + digest.error().message());
  }
  return Sha256Hex(canonical);
}

std::string ClusterHash(const ClusterConfig& config) {
  ClusterConfig members_removed = config;
  members_removed.values.erase("agent_list");
  members_removed.values.erase("public_agent_list");
  members_removed.agent_list.clear();
  members_removed.public_agent_list.clear();
  return ConfigHash(members_removed);
}

}  // namespace flightcheck
