#include "checks/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "checks/resolver.h"
#include "checks/scoped_fd.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

struct AddrInfoFree {
  void operator()(addrinfo* info) const { ::freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoFree>;

int PollTimeoutMs(Deadline deadline) {
  const auto left = deadline.remaining().count();
  return left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left);
}

// Waits until fd is ready for events. OK when ready (including error/hangup conditions, which
// the following syscall reports), Timeout when the deadline passed.
Status WaitFor(int fd, short events, Deadline deadline, std::string_view what) {
  for (;;) {
    if (deadline.expired()) return Status::Timeout(fmt::format("{}: timed out", what));
    pollfd pfd{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&pfd, 1, PollTimeoutMs(deadline));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) return Status::FromErrno(what, errno);
  }
}

Status ConnectError(std::string_view what, int errnum) {
  // Every way a peer can be absent is "unavailable", so callers can report it as a fact.
  switch (errnum) {
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EADDRNOTAVAIL:
      return Status::Unavailable(fmt::format("{}: {}", what, std::strerror(errnum)));
    case ETIMEDOUT:
      return Status::Timeout(fmt::format("{}: {}", what, std::strerror(errnum)));
    default:
      return Status::FromErrno(what, errnum);
  }
}

Result<ScopedFd> ConnectOne(const addrinfo& ai, Deadline deadline, std::string_view what) {
  ScopedFd fd(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (!fd.valid()) return Status::FromErrno(fmt::format("{}: socket", what), errno);
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return ConnectError(what, errno);
    Status waited = WaitFor(fd.get(), POLLOUT, deadline, what);
    if (!waited.ok()) return waited;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return ConnectError(what, error);
  }
  return fd;
}

Result<ScopedFd> Connect(const std::string& host, int port, Deadline deadline) {
  const std::string what = "connect to " + FormatHostPort(host, port);
  if (host.empty()) return Status::InvalidArgument(what + ": empty host");
  if (port < 1 || port > 65535) {
    return Status::InvalidArgument(fmt::format("{}: port {} is out of range 1-65535", what, port));
  }
  if (deadline.expired()) return Status::Timeout(what + ": timed out");

  // Resolution is bounded by the deadline too (c-ares): getaddrinfo could hold the probe for the
  // C library's resolver timeouts. Each address is then turned into a sockaddr numerically.
  Result<std::vector<std::string>> addresses = ResolveHost(host, deadline);
  if (!addresses) return addresses.error().WithContext(what);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
  const std::string service = std::to_string(port);
  Status last = Status::Unavailable(what + ": no address");
  for (const std::string& address : *addresses) {
    addrinfo* raw = nullptr;
    if (::getaddrinfo(address.c_str(), service.c_str(), &hints, &raw) != 0) continue;
    AddrInfoPtr list(raw);
    Result<ScopedFd> fd = ConnectOne(*list, deadline, what);
    if (fd) return fd;
    last = fd.error();
    if (last.IsTimeout()) break;
  }
  return last;
}

}  // namespace

Result<int> ConnectTcp(const std::string& host, int port, Deadline deadline) {
  Result<ScopedFd> fd = Connect(host, port, deadline);
  if (!fd) return fd.error();
  return fd->release();
}

Result<std::string> TcpExchange(const std::string& host, int port, std::string_view request,
                                Deadline deadline, size_t max_bytes) {
  Result<ScopedFd> fd = Connect(host, port, deadline);
  if (!fd) return fd.error();
  const std::string peer = FormatHostPort(host, port);

  const std::string send_what = "sending to " + peer;
  while (!request.empty()) {
    const ssize_t n = ::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      request.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ConnectError(send_what, errno);
    Status waited = WaitFor(fd->get(), POLLOUT, deadline, send_what);
    if (!waited.ok()) return waited;
  }

  const std::string read_what = "reading from " + peer;
  std::string reply;
  char buffer[16384];
  while (reply.size() < max_bytes) {
    const size_t want = std::min(sizeof buffer, max_bytes - reply.size());
    const ssize_t n = ::recv(fd->get(), buffer, want, 0);
    if (n == 0) break;
    if (n > 0) {
      reply.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ConnectError(read_what, errno);
    Status waited = WaitFor(fd->get(), POLLIN, deadline, read_what);
    if (!waited.ok()) return waited;
  }
  return reply;
}

bool IsIpAddress(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

bool IsLoopbackAddress(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1";
}

Result<HostPort> ParseHostPort(std::string_view text, int default_port, int min_port) {
  const std::string_view input = Trim(text);
  if (input.empty()) return Status::InvalidArgument("empty address");
  HostPort result;
  std::string_view port_text;
  bool has_port = false;
  if (input.front() == '[') {
    const size_t close = input.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("missing ']' in '{}'", input));
    }
    result.host = std::string(input.substr(1, close - 1));
    const std::string_view rest = input.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status::InvalidArgument(
            fmt::format("unexpected '{}' after ']' in '{}'", rest, input));
      }
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = input.find(':');
    if (colon != std::string_view::npos && input.find(':', colon + 1) == std::string_view::npos) {
      result.host = std::string(input.substr(0, colon));
      port_text = input.substr(colon + 1);
      has_port = true;
    } else {
      // No colon, or several: a bare IPv6 literal cannot carry a port without brackets.
      result.host = std::string(input);
    }
  }
  if (result.host.empty()) return Status::InvalidArgument(fmt::format("empty host in '{}'", input));
  if (!has_port) {
    result.port = default_port;
    return result;
  }
  if (port_text.empty()) return Status::InvalidArgument(fmt::format("missing port in '{}'", input));
  const std::optional<int64_t> port = ParseInt64(port_text);
  if (!port) {
    return Status::InvalidArgument(fmt::format("invalid port '{}' in '{}'", port_text, input));
  }
  if (*port < min_port || *port > 65535) {
    return Status::InvalidArgument(
        fmt::format("port {} in '{}' is out of range {}-65535", *port, input, min_port));
  }
  result.port = static_cast<int>(*port);
  return result;
}

std::string FormatHostPort(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace flightcheck
