// Parsers of the selinux probe (no I/O).
#pragma once

#include <string>
#include <string_view>

namespace flightcheck {

struct SelinuxConfig {
  std::string
      mode;  // SELINUX= value lower-cased: "enforcing", "permissive", "disabled"; "" if unset
  std::string policy;  // SELINUXTYPE= value, "" if unset
};

// Parses /etc/selinux/config: KEY=value lines, '#' comments, optional quotes.
SelinuxConfig ParseSelinuxConfig(std::string_view text);

// Maps the contents of /sys/fs/selinux/enforce ("1\n" or "0\n") to "enforcing" / "permissive";
// returns "" when the text is neither.
std::string ParseSelinuxEnforce(std::string_view text);

}  // namespace flightcheck
