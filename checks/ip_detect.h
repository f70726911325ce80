// Parsers of the ip_detect probe (no I/O).
#pragma once

#include <string>
#include <string_view>

namespace flightcheck {

// The address an ip-detect script printed: its first line of output, whitespace trimmed.
std::string ParseIpDetectOutput(std::string_view stdout_text);

// True when text is an IPv4 or IPv6 address literal (inet_pton), nothing else around it.
bool IsIpAddress(std::string_view text);

// True when a and b are the same address ("::1" and "0:0::1"); plain string equality when either
// is not an address literal.
bool SameAddress(std::string_view a, std::string_view b);

}  // namespace flightcheck
