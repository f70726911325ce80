#include "installer/install_record.h"

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {

InstallComparison CompareInstall(const std::optional<InstallRecord>& installed,
                                 std::string_view artifact, std::string_view config_hash,
                                 std::string_view cluster_hash, std::string_view role,
                                 std::string_view address) {
  if (!installed) return {};
  const auto short_hash = [](std::string_view hash) { return std::string(hash.substr(0, 12)); };
  if (installed->role != role) {
    return {InstallMatch::kOther,
            fmt::format("installed as {} ({}), but the config lists it as {}: uninstall it first "
                        "(`flightcheck uninstall --hosts {}`)",
                        installed->role, installed->artifact, role, address)};
  }
  if (installed->artifact == artifact && installed->config_hash == config_hash) {
    return {InstallMatch::kSame, fmt::format("already deployed ({})", artifact)};
  }
  if (!installed->cluster_hash.empty() && installed->cluster_hash == cluster_hash) {
    return {InstallMatch::kSameCluster,
            fmt::format("already deployed ({}, from before the agent lists changed)",
                        installed->artifact)};
  }
  return {InstallMatch::kOther,
          fmt::format("installed with another configuration ({}, config {}; this deploy is {}, "
                      "config {}): uninstall it first (`flightcheck uninstall --hosts {}`)",
                      installed->artifact, short_hash(installed->config_hash), artifact,
                      short_hash(config_hash), address)};
}

}  // namespace flightcheck
