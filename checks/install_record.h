// The install record: what install.sh leaves on a host when an install finished,
// $INSTALL_PREFIX/.flightcheck-installed, "key=value" lines (artifact, config_hash, cluster_hash,
// role; installed_at when a writer adds it). The installed probe reports it; the installer's
// stages (installer/install_record.h) compare it with the artifact they would install.
//
// Pure values and functions; thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

struct InstallRecord {
  std::string artifact;  // flightcheck-<hash>: the artifact's directory name
  std::string config_hash;
  std::string cluster_hash;
  std::string role;
  std::string installed_at;  // as written, "" when the record has no installed_at line
};

// The largest record ParseInstallRecord accepts.
inline constexpr size_t kMaxInstallRecordBytes = size_t{64} << 10;

// The record in text. nullopt when there is none: the text is empty or blank (what `cat` of an
// absent file prints). Unknown keys are ignored, as are blank lines and "#" comments. ParseError
// naming the line ("line 3: expected key=value, got 'garbage'") for a line without "=" or with an
// empty key, when the artifact line is missing or empty ("no artifact= line"), or when the text is
// longer than kMaxInstallRecordBytes.
Result<std::optional<InstallRecord>> ParseInstallRecord(std::string_view text);

}  // namespace flightcheck
