// The ports probe: which of the given TCP/UDP ports already have a listener, and (optionally)
// whether they can be bound.
//
// DC/OS grepped /proc/net for printf "%04x" (lower case) against the kernel's upper-case hex and
// counted every socket state, so port 8080 (1F90) was never seen and a TIME_WAIT socket counted
// as "in use". Here hex is parsed as a number and only LISTEN (TCP) / unconnected bound (UDP)
// sockets count.
#include "checks/ports.h"

#include <arpa/inet.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "checks/net.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

bool ParseHex32(std::string_view text, uint32_t& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
  return ec == std::errc() && ptr == end && !text.empty();
}

// "0100007F" → 127.0.0.1: the kernel prints the in-memory 32-bit word, so its least
// significant byte is the first byte on the wire.
bool DecodeAddress(std::string_view hex, bool ipv6, std::string& out) {
  const size_t words = ipv6 ? 4 : 1;
  if (hex.size() != words * 8) return false;
  std::array<unsigned char, 16> bytes{};
  for (size_t w = 0; w < words; ++w) {
    uint32_t word = 0;
    if (!ParseHex32(hex.substr(w * 8, 8), word)) return false;
    for (size_t b = 0; b < 4; ++b) bytes[w * 4 + b] = static_cast<unsigned char>(word >> (8 * b));
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text) == nullptr) {
    return false;
  }
  out = text;
  return true;
}

}  // namespace

Result<std::vector<ProcNetSocket>> ParseProcNetSockets(std::string_view text, bool ipv6) {
  std::vector<ProcNetSocket> sockets;
  const std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::vector<std::string_view> fields = SplitFields(lines[i]);
    if (fields.empty() || fields[0] == "sl") continue;
    const auto bad = [&](std::string_view why) {
      return Status::ParseError(
          fmt::format("line {} ({}): {}", i + 1, why, Trim(lines[i]).substr(0, 80)));
    };
    if (fields.size() < 4) return bad("fewer than 4 fields");
    const std::string_view local = fields[1];
    const size_t colon = local.find(':');
    if (colon == std::string_view::npos) return bad("local address without ':'");
    ProcNetSocket socket;
    uint32_t port = 0;
    uint32_t state = 0;
    if (!DecodeAddress(local.substr(0, colon), ipv6, socket.local_address)) {
      return bad(ipv6 ? "expected a 32-digit hex IPv6 address" : "expected an 8-digit hex address");
    }
    if (!ParseHex32(local.substr(colon + 1), port) || port > 65535) return bad("bad port");
    if (!ParseHex32(fields[3], state) || state > 0xFF) return bad("bad state");
    socket.port = static_cast<int>(port);
    socket.state = static_cast<int>(state);
    sockets.push_back(std::move(socket));
  }
  return sockets;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "ports",
      .summary = "Which of the given TCP and UDP ports already have a listener on this host.",
      .params = {{"tcp", ParamType::kIntegerList, false, nlohmann::json::array(),
                  "TCP ports to look at"},
                 {"udp", ParamType::kIntegerList, false, nlohmann::json::array(),
                  "UDP ports to look at"},
                 {"address", ParamType::kString, false, "",
                  "only listeners that would stop a server binding this address: those on it "
                  "and on the wildcard address (\"\": every listener)"},
                 {"bind_test", ParamType::kBoolean, false, false,
                  "also try to bind each port on the wildcard address (live host only)"}},
      .facts =
          {{"listening", FactType::ListOf(FactKind::kInt),
            "requested ports with a listener (TCP LISTEN or bound unconnected UDP, any address, "
            "IPv4 or IPv6), sorted"},
           {"taken", FactType::ListOf(FactKind::kString),
            "the requested ports with a listener, with their protocol (\"53/udp\", \"2181/tcp\"), "
            "sorted by port: what a report should name"},
           {"listeners", FactType::ListOf(FactKind::kString),
            "the listening sockets on requested ports (every listening socket when no port is "
            "requested), like \"tcp 127.0.0.1:2181\", \"tcp6 [::]:8080\", \"udp 127.0.0.53:53\""},
           {"free", FactType::ListOf(FactKind::kInt),
            "with bind_test on a live host: requested ports every requested protocol could bind "
            "on the wildcard address; null otherwise"},
           {"not_bindable", FactType::ListOf(FactKind::kString),
            "with bind_test on a live host: \"tcp/8080: Address already in use\" per failed "
            "bind; null otherwise"}},
      .default_timeout = Milliseconds(5000),
  };
}

struct Listener {
  int port;
  std::string protocol;  // tcp, tcp6, udp, udp6
  std::string address;
  bool operator<(const Listener& other) const {
    return std::tie(port, protocol, address) < std::tie(other.port, other.protocol, other.address);
  }
  std::string ToString() const {
    return fmt::format("{} {}", protocol, FormatHostPort(address, port));
  }
};

Result<std::vector<int>> ReadPorts(const Params& params, std::string_view name) {
  std::vector<int> ports;
  for (const auto& value : params[std::string(name)]) {
    const int64_t port = value.get<int64_t>();
    if (port < 1 || port > 65535) {
      return Status::InvalidArgument(
          fmt::format("parameter '{}' holds port {}, expected 1-65535", name, port));
    }
    ports.push_back(static_cast<int>(port));
  }
  return ports;
}

// Whether path is the kernel's own table rather than a copy of one (an image, a fixture root).
bool IsOnProcfs(const HostContext& host, const std::string& path) {
  Result<std::filesystem::path> local = host.LocalPath(path);
  struct statfs info {};
  return local && ::statfs(local->c_str(), &info) == 0 && info.f_type == PROC_SUPER_MAGIC;
}

// Binds the wildcard address of one family. OK when it could; Unavailable with the errno text when
// the port is taken; PermissionDenied when this process may not bind it (then we cannot tell).
Status TryBind(bool tcp, int family, int port) {
  const int fd = ::socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EAFNOSUPPORT) return Status::Unsupported("address family not supported");
  if (fd < 0) return Status::FromErrno("socket", errno);
  // A server sets SO_REUSEADDR on TCP, so TIME_WAIT leftovers must not count as taken. UDP
  // without it, or we would share a port with a listener that set it.
  const int one = 1;
  if (tcp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (family == AF_INET6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  }
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  if (error == 0) return Status::Ok();
  const std::string what = fmt::format("{}/{}", tcp ? "tcp" : "udp", port);
  if (error == EACCES || error == EPERM) {
    return Status::PermissionDenied(fmt::format(
        "bind test of {} needs root or CAP_NET_BIND_SERVICE: {}", what, std::strerror(error)));
  }
  return Status::Unavailable(fmt::format("{}: {}", what, std::strerror(error)));
}

// Tries IPv4 and, where the kernel has it, IPv6: a dual-stack server needs both.
Status TryBindBothFamilies(bool tcp, int port) {
  Status v4 = TryBind(tcp, AF_INET, port);
  if (!v4.ok()) return v4;
  Status v6 = TryBind(tcp, AF_INET6, port);
  if (!v6.ok() && v6.code() == ErrorCode::kUnsupported) return Status::Ok();  // no IPv6 here
  return v6;
}

// The sockets of one /proc/net table. "Nothing listens" is only said from a table that could have
// shown a listener: a missing IPv4 table is an error (a kernel without IPv6 has no tcp6/udp6, so
// those may be absent), an empty one too (the kernel always prints a header line), and so is one
// with only its header unless it is the kernel's own table on procfs, where that means no sockets;
// in an image or a fixture root it means the lines were lost.
Result<std::vector<ProcNetSocket>> ReadSocketTable(const HostContext& host, const std::string& path,
                                                   bool ipv6) {
  Result<std::string> text = host.ReadFile(path, size_t{256} << 20);
  if (!text) {
    if (!text.error().IsNotFound()) return text.error();
    if (ipv6) return std::vector<ProcNetSocket>();
    return Status::NotFound(fmt::format(
        "{}; without it no listener can be seen (only the IPv6 tables tcp6 and udp6 may be absent)",
        text.error().message()));
  }
  if (Trim(*text).empty()) {
    return Status::ParseError(fmt::format(
        "{} is empty; the kernel's table always starts with a header line ('sl local_address ...')",
        path));
  }
  Result<std::vector<ProcNetSocket>> sockets = ParseProcNetSockets(*text, ipv6);
  if (!sockets) return sockets.error().WithContext(path);
  if (sockets->empty() && !ipv6 && !IsOnProcfs(host, path)) {
    return Status::ParseError(fmt::format(
        "{} has only its header line and is not the kernel's own table (procfs), so it cannot show "
        "that nothing listens; a host in use has at least one socket there",
        path));
  }
  return sockets;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  Result<std::vector<int>> tcp_ports = ReadPorts(params, "tcp");
  if (!tcp_ports) return tcp_ports.error();
  Result<std::vector<int>> udp_ports = ReadPorts(params, "udp");
  if (!udp_ports) return udp_ports.error();
  const std::set<int> tcp_wanted(tcp_ports->begin(), tcp_ports->end());
  const std::set<int> udp_wanted(udp_ports->begin(), udp_ports->end());
  const bool all = tcp_wanted.empty() && udp_wanted.empty();
  const std::string address = params["address"].get<std::string>();
  // A listener on another specific address does not conflict: several nodes may share a machine
  // (and a network namespace) on different addresses.
  const auto conflicts = [&](const std::string& local) {
    return address.empty() || local == address || local == "0.0.0.0" || local == "::";
  };

  struct Table {
    const char* protocol;
    bool tcp;
    bool ipv6;
  };
  const Table tables[] = {
      {"tcp", true, false}, {"tcp6", true, true}, {"udp", false, false}, {"udp6", false, true}};
  std::set<Listener> listeners;
  std::set<int> listening;
  std::set<std::pair<int, std::string>> taken;  // (port, "tcp" or "udp")
  for (const Table& table : tables) {
    const std::set<int>& wanted = table.tcp ? tcp_wanted : udp_wanted;
    if (!all && wanted.empty()) continue;  // a protocol not asked about need not be readable
    const std::string path = fmt::format("/proc/net/{}", table.protocol);
    Result<std::vector<ProcNetSocket>> sockets = ReadSocketTable(host, path, table.ipv6);
    if (!sockets) return sockets.error();
    const int listen_state = table.tcp ? kTcpStateListen : kUdpStateUnconnected;
    for (const ProcNetSocket& socket : *sockets) {
      if (socket.state != listen_state) continue;
      if (!all && !wanted.contains(socket.port)) continue;
      if (!conflicts(socket.local_address)) continue;
      listeners.insert({socket.port, table.protocol, socket.local_address});
      if (!all) listening.insert(socket.port);
      if (!all) taken.insert({socket.port, table.tcp ? "tcp" : "udp"});
    }
  }

  Facts facts;
  facts["listening"] = std::vector<int>(listening.begin(), listening.end());
  facts["taken"] = nlohmann::json::array();
  for (const auto& [port, protocol] : taken) {
    facts["taken"].push_back(fmt::format("{}/{}", port, protocol));
  }
  facts["listeners"] = nlohmann::json::array();
  for (const Listener& listener : listeners) facts["listeners"].push_back(listener.ToString());
  facts["free"] = nullptr;
  facts["not_bindable"] = nullptr;
  if (!params["bind_test"].get<bool>() || !host.IsLiveRoot()) return facts;

  std::set<int> blocked;
  nlohmann::json not_bindable = nlohmann::json::array();
  for (const auto& [tcp, wanted] : {std::pair{true, &tcp_wanted}, std::pair{false, &udp_wanted}}) {
    for (const int port : *wanted) {
      Status bound = TryBindBothFamilies(tcp, port);
      if (bound.ok()) continue;
      if (bound.code() != ErrorCode::kUnavailable) return bound;
      blocked.insert(port);
      not_bindable.push_back(bound.message());
    }
  }
  std::set<int> requested = tcp_wanted;
  requested.insert(udp_wanted.begin(), udp_wanted.end());
  std::vector<int> free;
  for (const int port : requested) {
    if (!blocked.contains(port)) free.push_back(port);
  }
  facts["free"] = free;
  facts["not_bindable"] = std::move(not_bindable);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
