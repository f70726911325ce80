// Parsers of the sysctl probe (no I/O).
#pragma once

#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

// Maps a sysctl key to its file under /proc/sys, as sysctl(8) does: "net.ipv4.ip_forward" →
// "/proc/sys/net/ipv4/ip_forward"; a key containing '/' is taken as a path already, so a dotted
// component survives ("net/ipv4/conf/eth0.100/forwarding"). InvalidArgument for an empty key or
// an empty, "." or ".." component, which could name something outside /proc/sys.
Result<std::string> SysctlPath(std::string_view key);

// The value as sysctl(8) prints it: whitespace runs (tabs in tcp_rmem) collapsed to one space,
// leading and trailing whitespace removed.
std::string NormalizeSysctlValue(std::string_view text);

}  // namespace flightcheck
