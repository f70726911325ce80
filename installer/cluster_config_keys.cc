#include "installer/cluster_config_keys.h"

#include <algorithm>
#include <iterator>

#include "installer/cluster_config.h"
#include "runner/secret_policy.h"

namespace flightcheck {
namespace {

using enum ConfigKeyType;
using enum ConfigKeyUse;

// One row per key: DC/OS 1.11's on-premises keys in the order of its reference, then
// flightcheck's own. Keep the order: "did you mean" breaks ties by it. The kBool rows are DC/OS's
// true/false switches and validators (reference §2.3) and flightcheck's.
constexpr ConfigKey kConfigKeys[] = {
    {"cluster_name", kString},
    {"bootstrap_url", kString},
    {"master_discovery", kString},
    {"exhibitor_storage_backend", kString},
    {"master_list", kAddressList},
    {"agent_list", kAddressList},
    {"public_agent_list", kAddressList},
    {"num_masters", kInt},
    {"exhibitor_address", kString},
    {"exhibitor_zk_hosts", kString},
    {"exhibitor_zk_path", kString},
    {"exhibitor_explicit_keys", kBool},
    {"aws_region", kString},
    {"s3_bucket", kString},
    {"s3_prefix", kString},
    {"aws_access_key_id", kString},
    {"aws_secret_access_key", kString, kSecret},
    {"exhibitor_azure_account_name", kString},
    {"exhibitor_azure_account_key", kString, kSecret},
    {"exhibitor_azure_prefix", kString},
    {"exhibitor_fs_config_dir", kString},
    {"resolvers", kAddressList},
    {"dns_search", kString},
    {"dns_bind_ip_blacklist", kAddressList},
    {"dns_forward_zones", kUnchecked},
    {"ip_detect_filename", kPath, kPacked},
    {"ip_detect_public_filename", kPath, kPacked},
    {"fault_domain_detect_filename", kUnchecked, kPacked},
    {"ssh_user", kString, kCoordinator},
    {"ssh_port", kInt, kCoordinator},
    {"ssh_key_path", kPath, kCoordinator},
    {"ssh_parallelism", kInt, kCoordinator},
    {"process_timeout", kInt, kCoordinator},
    {"extra_ssh_options", kStringOrList, kCoordinator},
    {"superuser_username", kString},
    {"superuser_password_hash", kString, kSecret},
    {"check_time", kBool},
    {"oauth_enabled", kBool},
    {"oauth_available", kBool},
    {"telemetry_enabled", kBool},
    {"enable_docker_gc", kBool},
    {"enable_ipv6", kBool},
    {"enable_lb", kBool},
    {"enable_gpu_isolation", kBool},
    {"gpus_are_scarce", kBool},
    {"dcos_overlay_enable", kBool},
    {"dcos_overlay_mtu", kUnchecked},
    {"dcos_overlay_config_attempts", kUnchecked},
    {"dcos_overlay_network", kUnchecked},
    {"dcos_remove_dockercfg_enable", kBool},
    {"dcos_ucr_default_bridge_subnet", kUnchecked},
    {"dcos_l4lb_enable_ipv6", kBool},
    {"dcos_net_rest_enable", kBool},
    {"dcos_net_watchdog", kBool},
    {"master_dns_bindall", kBool},
    {"mesos_dns_set_truncate_bit", kBool},
    {"mesos_dns_ip_sources", kUnchecked},
    {"mesos_log_retention_mb", kUnchecked},
    {"mesos_recovery_timeout", kUnchecked},
    {"mesos_master_work_dir", kUnchecked},
    {"mesos_agent_work_dir", kUnchecked},
    {"mesos_container_log_sink", kUnchecked},
    {"adminrouter_tls_1_0_enabled", kBool},
    {"adminrouter_tls_1_1_enabled", kBool},
    {"adminrouter_tls_1_2_enabled", kBool},
    {"use_proxy", kBool},
    {"http_proxy", kString},
    {"https_proxy", kString},
    {"no_proxy", kList},
    {"cluster_docker_credentials", kUnchecked, kSecret},
    {"cluster_docker_credentials_enabled", kBool},
    {"cluster_docker_credentials_dcos_owned", kBool},
    {"cluster_docker_credentials_write_to_etc", kBool},
    {"cluster_docker_registry_url", kUnchecked},
    {"custom_checks", kUnchecked},
    {"custom_check_bins_provided", kBool},
    {"licensing_enabled", kBool},
    {"fault_domain_enabled", kBool},
    {"aws_masters_have_public_ip", kBool},
    {"platform", kUnchecked},
    {"docker_remove_delay", kUnchecked},
    {"gc_delay", kUnchecked},
    {"docker_stop_timeout", kUnchecked},
    {"bootstrap_tmp_dir", kUnchecked},
    {"weights", kUnchecked},
    {"roles", kUnchecked},
    {"rexray_config", kUnchecked},
    {"rexray_config_preset", kUnchecked},
    // The rest of the DC/OS 1.11-1.13 on-premises configuration reference (Enterprise keys
    // included): known, so not warned about, and passed to the nodes as written.
    {"ip6_detect_filename", kUnchecked, kCoordinator},  // flightcheck does not ship it
    {"master_external_loadbalancer", kUnchecked},
    {"log_offers", kUnchecked},
    {"cosmos_config", kUnchecked},
    {"cluster_docker_credentials_path", kUnchecked},
    {"aws_template_storage_access_key_id", kUnchecked},
    {"aws_template_storage_bucket", kUnchecked},
    {"aws_template_storage_bucket_path", kUnchecked},
    {"aws_template_storage_region_name", kUnchecked},
    {"aws_template_storage_secret_access_key", kUnchecked, kSecret},
    {"aws_template_upload", kUnchecked},
    {"marathon_gpu_scheduling_behavior", kUnchecked},
    {"metronome_gpu_scheduling_behavior", kUnchecked},
    {"mesos_seccomp_enabled", kUnchecked},
    {"mesos_seccomp_profile_name", kUnchecked},
    {"mesos_max_completed_tasks_per_framework", kUnchecked},
    {"dcos_net_cluster_identity", kUnchecked},
    {"network_cni_root_dir_persist", kUnchecked},
    {"feature_dcos_storage_enabled", kUnchecked},
    {"dcos_audit_logging", kUnchecked},
    {"log_directory", kUnchecked},
    {"enable_mesos_input_plugin", kUnchecked},
    {"adminrouter_auth_cache_enabled", kUnchecked},
    {"adminrouter_tls_cipher_suite", kUnchecked},
    {"adminrouter_x_frame_options", kUnchecked},
    {"auth_cookie_secure_flag", kUnchecked},
    {"bouncer_expiration_auth_token_days", kUnchecked},
    {"ca_certificate_path", kUnchecked},
    {"ca_certificate_key_path", kUnchecked},
    {"ca_certificate_chain_path", kUnchecked},
    {"license_key_contents", kUnchecked, kSecret},
    {"iam_ldap_sync_interval", kUnchecked},
    {"permissions_cache_ttl_seconds", kUnchecked},
    {"security", kUnchecked},
    {"superuser_service_account_uid", kUnchecked},
    {"superuser_service_account_public_key", kUnchecked},
    {"zk_super_credentials", kUnchecked, kSecret},
    {"zk_master_credentials", kUnchecked, kSecret},
    {"zk_agent_credentials", kUnchecked, kSecret},
    {"ssh_connect_timeout", kInt, kCoordinator},
    {"ssh_known_hosts_file", kPath, kCoordinator},
    {"ssh_accept_new_host_keys", kBool, kCoordinator},
    {"payload", kPath, kPacked},
    {"install_prefix", kString},
    {"custom_rules", kPathList, kPacked},
    {"builtin_rules", kBool},
    {"skip_checks", kList},
    {"postflight_timeout", kInt, kCoordinator},
    {"health_daemon", kBool},
    {"health_units", kList},
    {"health_listen", kString},
    {"health_token_file", kString},
    {"bundle_sources", kPath, kPacked},
};

}  // namespace

std::span<const ConfigKey> ConfigKeys() { return kConfigKeys; }

const std::vector<std::string>& ConfigKeyNames() {
  static const std::vector<std::string>* const kNames = [] {
    auto* names = new std::vector<std::string>;
    for (const ConfigKey& key : kConfigKeys) names->emplace_back(key.name);
    return names;
  }();
  return *kNames;
}

const ConfigKey* FindConfigKey(std::string_view name) {
  const auto it = std::find_if(std::begin(kConfigKeys), std::end(kConfigKeys),
                               [name](const ConfigKey& key) { return key.name == name; });
  return it == std::end(kConfigKeys) ? nullptr : &*it;
}

// The table marks the secrets it knows; the name rule also covers keys it does not (DC/OS keys of
// later versions pass through to the nodes), and any table row added without the flag.
bool IsSecretConfigKey(std::string_view key) {
  const ConfigKey* known = FindConfigKey(key);
  return (known != nullptr && known->use == kSecret) || HasSecretName(key);
}

std::vector<std::string> SecretConfigValues(const ClusterConfig& config) {
  std::vector<std::string> secrets;
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    if (IsSecretConfigKey(it.key()) && it->is_string()) secrets.push_back(it->get<std::string>());
  }
  return secrets;
}

ConfigKeyUse UseOfConfigKey(std::string_view name) {
  if (IsSecretConfigKey(name)) return kSecret;
  const ConfigKey* known = FindConfigKey(name);
  return known != nullptr ? known->use : kRendered;
}

}  // namespace flightcheck
