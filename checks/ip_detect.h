// Parsers of the ip_detect probe (no I/O).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// The lines of an ip-detect script's output that are not blank, whitespace trimmed: exactly one,
// an address, is a usable answer. The first (or "") is the probe's `ip`.
std::vector<std::string> ParseIpDetectOutput(std::string_view stdout_text);

// True when text is an IPv4 or IPv6 address literal (inet_pton), nothing else around it.
bool IsIpAddress(std::string_view text);

// True when a and b are the same address ("::1" and "0:0::1"); plain string equality when either
// is not an address literal.
bool SameAddress(std::string_view a, std::string_view b);

// True when execve(2) refuses a file that starts with head (its first bytes) as of no known format
// (ENOEXEC): neither a "#!" script nor an ELF binary. A POSIX shell runs such a file with sh
// instead, and so does the probe: install.sh runs the script from sh, and both must see the same
// address. DC/OS's callers that ran detect_ip from a shell behaved the same way.
bool RunsUnderShell(std::string_view head);

}  // namespace flightcheck
