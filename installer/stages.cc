// What the stages share is in stage_run.h and stage_report.h; each stage's body has its own
// file (<stage>_stage.cc).
#include "installer/stages.h"

namespace flightcheck {

std::vector<TargetHost> TargetHosts(const ClusterConfig& config) {
  std::vector<TargetHost> hosts;
  for (const std::string& address : config.master_list) hosts.push_back({address, "master"});
  for (const std::string& address : config.agent_list) hosts.push_back({address, "agent"});
  for (const std::string& address : config.public_agent_list) {
    hosts.push_back({address, "public_agent"});
  }
  return hosts;
}

}  // namespace flightcheck
