// What a host's install record (checks/install_record.h: the file install.sh leaves when an install
// finished) means for a stage: nothing to do (this very artifact is installed), nothing either (an
// earlier artifact of the same cluster, from before agents were added), or a refusal (another
// configuration, which is never silently replaced).
//
// Pure values and functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "checks/install_record.h"

namespace flightcheck {

enum class InstallMatch {
  kNone,         // nothing installed
  kSame,         // this artifact
  kSameCluster,  // an earlier artifact of this cluster (only the agent lists changed)
  kOther,        // another configuration
};

struct InstallComparison {
  InstallMatch match = InstallMatch::kNone;
  std::string message;  // for people: "already deployed (flightcheck-...)", or what differs
};

// Compares what is installed on the host at address with what would be installed now.
InstallComparison CompareInstall(const std::optional<InstallRecord>& installed,
                                 std::string_view artifact, std::string_view config_hash,
                                 std::string_view cluster_hash, std::string_view role,
                                 std::string_view address);

}  // namespace flightcheck
