// What a validated config becomes: the rules' variables, the node's cluster.yaml and the config
// hash (installer/cluster_config.h).
#include "installer/cluster_config.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "checks/sha256.h"
#include "checks/text.h"
#include "installer/cluster_config_keys.h"

namespace flightcheck {
namespace {

using nlohmann::json;

bool IsCoordinatorOnlyKey(std::string_view key) {
  return StartsWith(key, "ssh_") || key.ends_with("_filename") || key == "extra_ssh_options" ||
         key == "process_timeout" || key == "postflight_timeout" || key == "payload" ||
         key == "custom_rules";
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
  return variables;
}

std::string RenderNodeConfig(const ClusterConfig& config) {
  // JSON flow values are YAML that keeps its types on the way back (strings stay quoted), and
  // nlohmann's objects iterate in key order, which makes the bytes deterministic.
  std::string text = "# Rendered by flightcheck: secrets and coordinator-only keys removed.\n";
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    if (IsSecretConfigKey(it.key()) || IsCoordinatorOnlyKey(it.key())) continue;
    text += RenderKey(it.key()) + ": " + DumpJson(it.value()) + "\n";
  }
  return text;
}

std::string ConfigHash(const ClusterConfig& config) {
  return Sha256Hex(DumpJson(config.values));  // sorted keys, no whitespace
}

}  // namespace flightcheck
