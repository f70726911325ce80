#include "installer/deploy_gate.h"

#include <fmt/format.h>

namespace flightcheck {

std::vector<std::string> FailedRuleIds(const nlohmann::json& report) {
  std::vector<std::string> ids;
  if (!report.is_object() || !report.contains("results") || !report["results"].is_array()) {
    return ids;
  }
  for (const char* wanted : {"fail", "error"}) {
    for (const nlohmann::json& result : report["results"]) {
      if (!result.is_object()) continue;
      const auto status = result.find("status");
      const auto id = result.find("id");
      if (status == result.end() || id == result.end() || !status->is_string() ||
          !id->is_string() || *status != wanted) {
        continue;
      }
      ids.push_back(id->get<std::string>());
    }
  }
  return ids;
}

std::vector<std::string> HostsNotClearedForDeploy(const std::vector<FanOutTarget>& targets,
                                                  const std::optional<StageState>& preflight,
                                                  std::string_view config_hash) {
  std::vector<std::string> not_cleared;
  for (const FanOutTarget& target : targets) {
    if (!preflight || preflight->config_hash != config_hash) {
      not_cleared.push_back(fmt::format("{} (no preflight of this configuration)", target.address));
      continue;
    }
    const HostState* checked = preflight->Find(target.address);
    if (checked == nullptr) {
      not_cleared.push_back(fmt::format("{} (not checked)", target.address));
    } else if (checked->status != HostStatus::kSuccess &&
               checked->status != HostStatus::kInstalled) {
      const std::vector<std::string> rules = FailedRuleIds(checked->report);
      not_cleared.push_back(fmt::format("{} ({}{}{})", target.address,
                                        HostStatusName(checked->status), rules.empty() ? "" : ": ",
                                        fmt::join(rules, ", ")));
    }
  }
  return not_cleared;
}

}  // namespace flightcheck
