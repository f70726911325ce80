// What install.sh leaves on a host when an install finished:
// $INSTALL_PREFIX/.flightcheck-installed, "key=value" lines (artifact, config_hash, cluster_hash,
// role). The stages read it to decide what a host needs: nothing (this very artifact is installed),
// nothing either (an earlier artifact of the same cluster, from before agents were added), or a
// refusal (another configuration, which is never silently replaced).
//
// Pure values and functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flightcheck {

struct InstallRecord {
  std::string artifact;  // flightcheck-<hash>: the artifact's directory name
  std::string config_hash;
  std::string cluster_hash;
  std::string role;
};

// The record in text; nullopt when there is none (empty text) or it lacks the artifact line.
// Unknown lines are ignored; at most the first 64 KiB are read.
std::optional<InstallRecord> ParseInstallRecord(std::string_view text);

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
