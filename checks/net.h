// TCP client helpers shared by the network probes (tcp_connect, zookeeper, ...).
//
// Every call is bounded by its Deadline: sockets are non-blocking and waited on with poll(2), so a
// black-holed peer costs at most the time left. Name lookups of non-numeric hosts go through
// c-ares (resolver.h), bounded by the same deadline; numeric addresses never touch the resolver.
//
// Failures: a refused or unreachable peer is Status::Unavailable ("connect to H:P: Connection
// refused"), a passed deadline is Status::Timeout, an unresolvable name is Status::NotFound, a
// malformed host or port is Status::InvalidArgument.
//
// Thread-safety: free functions without shared state; safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "checks/deadline.h"
#include "checks/status.h"

namespace flightcheck {

// Opens a TCP connection to host:port (an IPv4 or IPv6 literal, or a name) and returns the
// connected socket. The caller owns the returned fd and must close it. When a name has several
// addresses they are tried in order until one connects or the deadline passes.
Result<int> ConnectTcp(const std::string& host, int port, Deadline deadline);

// Connects, sends request, then reads until the peer closes or max_bytes were read (the rest is
// not read). Timeout when the deadline passes before either.
Result<std::string> TcpExchange(const std::string& host, int port, std::string_view request,
                                Deadline deadline, size_t max_bytes = 1 << 20);

struct HostPort {
  std::string host;  // without brackets: "::1", "1.2.3.4", "zk-1"
  int port = 0;
};

// Parses "1.2.3.4", "1.2.3.4:53", "[::1]:53", "[::1]", "::1" (a bare IPv6 literal, no port),
// "name" and "name:2181". A missing port means default_port. InvalidArgument names the text and
// the problem ("invalid port 'x' in 'host:x'", "port 70000 in 'host:70000' is out of range
// 1-65535"). min_port 0 accepts port 0 (a server's "any free port").
Result<HostPort> ParseHostPort(std::string_view text, int default_port, int min_port = 1);

// True for an IPv4 or IPv6 literal ("10.0.0.1", "::1"), false for a name or anything else.
bool IsIpAddress(const std::string& host);
// True for 127.0.0.0/8 and ::1.
bool IsLoopbackAddress(const std::string& host);

// "1.2.3.4:53", "[::1]:53" (brackets for any host containing ':'), "name:2181".
std::string FormatHostPort(std::string_view host, int port);

}  // namespace flightcheck
