// Parsers of the os probe (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

struct OsRelease {
  std::string id;                    // ID=, e.g. "centos"; "" when unset
  std::string version_id;            // VERSION_ID=, e.g. "7"; "" when unset
  std::string name;                  // PRETTY_NAME=, or NAME= when PRETTY_NAME is unset
  std::vector<std::string> id_like;  // ID_LIKE= split on spaces; empty when unset
};

// Parses os-release(5) text: KEY=value lines, '#' comments, optional quotes.
OsRelease ParseOsRelease(std::string_view text);

// Returns N from the first line of `systemctl --version` ("systemd 252 (252.22-1~deb12u1)",
// "systemd 219"); nullopt when the line does not have that form.
std::optional<int64_t> ParseSystemdVersion(std::string_view text);

}  // namespace flightcheck
