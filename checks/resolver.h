// Name resolution bounded by a Deadline, through c-ares.
//
// getaddrinfo(3) cannot be interrupted: a resolver that never answers holds the calling thread for
// the C library's own timeouts (resolv.conf's timeout × attempts × servers), whatever the probe's
// deadline says. c-ares reads the same /etc/hosts and /etc/resolv.conf and is driven here with
// poll(2) until the deadline, then cancelled. Numeric addresses never touch the resolver.
//
// Failures: NotFound for a name that does not exist ("resolving 'x': Domain name not found"),
// Timeout when no resolver answered before the deadline, Unavailable when the resolvers refused
// or failed, InvalidArgument for an empty name.
//
// Thread-safety: safe to call concurrently (one channel per call).
#pragma once

#include <string>
#include <vector>

#include "checks/deadline.h"
#include "checks/status.h"

namespace flightcheck {

// The addresses of host, as numeric strings ("10.0.0.1", "::1"), IPv4 before IPv6 in resolver
// order. A numeric host is returned as it is.
Result<std::vector<std::string>> ResolveHost(const std::string& host, Deadline deadline);

}  // namespace flightcheck
