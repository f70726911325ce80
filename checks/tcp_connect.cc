// The tcp_connect probe: can this host open a TCP connection to host:port, and how fast.
#include <unistd.h>

#include <fmt/format.h>

#include "checks/net.h"
#include "checks/probe.h"
#include "checks/resolver.h"

namespace flightcheck {
namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "tcp_connect",
      .summary = "Whether a TCP connection to host:port succeeds, and how long it takes.",
      .params = {{"host", ParamType::kString, true, nullptr,
                  "IPv4 or IPv6 address (no brackets) or host name"},
                 {"port", ParamType::kInteger, true, nullptr, "TCP port, 1-65535"}},
      .facts =
          {{"reachable", FactType::Bool(), "the connection was established before the deadline"},
           {"latency", FactType::Duration(), "time until connected, or until the attempt failed"},
           {"error", FactType::String(),
            "why the connection failed (refused, unreachable, timed out); \"\" when reachable"}},
      .default_timeout = Milliseconds(5000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext&, Deadline deadline) {
  const std::string host = params["host"].get<std::string>();
  const int64_t port = params["port"].get<int64_t>();
  if (host.empty()) return Status::InvalidArgument("parameter 'host' is empty");
  if (port < 1 || port > 65535) {
    return Status::InvalidArgument(fmt::format("parameter 'port' is {}, expected 1-65535", port));
  }
  const auto start = SteadyClock::now();
  // A name no resolver answers for (in time) means we could not look: an error, not a fact
  // about the peer. So resolve first, then connect to the addresses.
  Result<std::vector<std::string>> addresses = ResolveHost(host, deadline);
  if (!addresses) return addresses.error();
  Result<int> fd = Status::Unavailable(fmt::format("connect to {}: no address", host));
  for (const std::string& address : *addresses) {
    fd = ConnectTcp(address, static_cast<int>(port), deadline);
    if (fd || fd.error().IsTimeout()) break;
  }
  const double latency = std::chrono::duration<double>(SteadyClock::now() - start).count();

  Facts facts;
  facts["latency"] = latency;
  if (fd) {
    ::close(*fd);
    facts["reachable"] = true;
    facts["error"] = "";
    return facts;
  }
  // A peer that refuses, cannot be routed to or does not answer in time is what the rule
  // judges; a name that does not resolve or a local failure means we could not look.
  const ErrorCode code = fd.error().code();
  if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout) return fd.error();
  facts["reachable"] = false;
  facts["error"] = fd.error().message();
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
