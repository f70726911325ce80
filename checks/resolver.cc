#include "checks/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>

namespace flightcheck {
namespace {

struct ChannelDestroy {
  void operator()(ares_channel channel) const { ::ares_destroy(channel); }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDestroy>;

struct Lookup {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<std::string> addresses;
};

void OnAddresses(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  Lookup& lookup = *static_cast<Lookup*>(arg);
  lookup.done = true;
  lookup.status = status;
  if (result == nullptr) return;
  std::vector<std::string> v6;
  for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (node->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      lookup.addresses.emplace_back(text);
    } else if (node->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      v6.emplace_back(text);
    }
  }
  lookup.addresses.insert(lookup.addresses.end(), v6.begin(), v6.end());
  ::ares_freeaddrinfo(result);
}

bool IsNumeric(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

Result<std::vector<std::string>> ResolveHost(const std::string& host, Deadline deadline) {
  if (host.empty()) return Status::InvalidArgument("resolving '': empty host name");
  if (IsNumeric(host)) return std::vector<std::string>{host};
  const std::string what = fmt::format("resolving '{}'", host);
  // ares_library_init is not thread-safe; a function-local static runs it exactly once.
  static const int kInit = ::ares_library_init(ARES_LIB_INIT_ALL);
  if (kInit != ARES_SUCCESS) {
    return Status::Internal(fmt::format("ares_library_init: {}", ::ares_strerror(kInit)));
  }
  ares_channel raw = nullptr;
  if (const int rc = ::ares_init(&raw); rc != ARES_SUCCESS) {
    return Status::Internal(fmt::format("{}: ares_init: {}", what, ::ares_strerror(rc)));
  }
  ChannelPtr channel(raw);
  Lookup lookup;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  ::ares_getaddrinfo(channel.get(), host.c_str(), nullptr, &hints, &OnAddresses, &lookup);
  while (!lookup.done && !deadline.expired()) {
    std::vector<pollfd> pfds;
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ::ares_getsock(channel.get(), socks, ARES_GETSOCK_MAXNUM);
    for (int s = 0; s < ARES_GETSOCK_MAXNUM; ++s) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, s)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, s)) events |= POLLOUT;
      if (events != 0) pfds.push_back({.fd = socks[s], .events = events, .revents = 0});
    }
    // Short slices, so a stop request (which expires the deadline) is seen promptly.
    Milliseconds wait = std::min(deadline.remaining(), Milliseconds(100));
    timeval max_tv{.tv_sec = wait.count() / 1000,
                   .tv_usec = static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    timeval tv{};
    if (const timeval* next = ::ares_timeout(channel.get(), &max_tv, &tv)) {
      wait = std::min(wait, Milliseconds(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000));
    }
    const int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) return Status::FromErrno(what, errno);
    bool any_ready = false;
    for (const pollfd& pfd : pfds) {
      if (pfd.revents == 0) continue;
      any_ready = true;
      const bool readable = (pfd.revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool writable = (pfd.revents & POLLOUT) != 0;
      ::ares_process_fd(channel.get(), readable ? pfd.fd : ARES_SOCKET_BAD,
                        writable ? pfd.fd : ARES_SOCKET_BAD);
    }
    if (!any_ready) ::ares_process_fd(channel.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
  if (!lookup.done) {
    ::ares_cancel(channel.get());  // calls back with ARES_ECANCELLED
    return Status::Timeout(fmt::format("{}: no resolver answered in time", what));
  }
  switch (lookup.status) {
    case ARES_SUCCESS:
      if (lookup.addresses.empty()) return Status::NotFound(what + ": no address");
      return lookup.addresses;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME:
      return Status::NotFound(fmt::format("{}: {}", what, ::ares_strerror(lookup.status)));
    case ARES_ETIMEOUT:
      return Status::Timeout(fmt::format("{}: {}", what, ::ares_strerror(lookup.status)));
    default:
      return Status::Unavailable(fmt::format("{}: {}", what, ::ares_strerror(lookup.status)));
  }
}

}  // namespace flightcheck
