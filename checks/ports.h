// Parsers of the ports probe (no I/O).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checks/status.h"

namespace flightcheck {

// Socket states as /proc/net/{tcp,udp}* print them (include/net/tcp_states.h).
inline constexpr int kTcpStateListen = 0x0A;
// A bound, unconnected UDP socket is shown as TCP_CLOSE: that is a UDP "listener".
inline constexpr int kUdpStateUnconnected = 0x07;

struct ProcNetSocket {
  std::string local_address;  // "127.0.0.1", "::", "::ffff:127.0.0.1"
  int port = 0;
  int state = 0;
};

// Parses the text of /proc/net/tcp, tcp6, udp or udp6 (ipv6 for the *6 files). The header line is
// skipped. Hex is read case-insensitively (the kernel prints upper case). An IPv4 address is one
// 32-bit word and an IPv6 address four, each printed by the kernel as a host-order (little-endian
// here) hex number of network-order bytes. ParseError names the line that does not fit.
Result<std::vector<ProcNetSocket>> ParseProcNetSockets(std::string_view text, bool ipv6);

}  // namespace flightcheck
