// LoopbackSocket: a TCP or UDP socket bound to an ephemeral loopback port, optionally listening;
// closed on destruction. The building block of the fake servers in the probe tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace flightcheck::testing {

class LoopbackSocket {
 public:
  // address is a numeric IPv4 or IPv6 address; type SOCK_STREAM or SOCK_DGRAM; port 0 takes an
  // ephemeral one.
  LoopbackSocket(const char* address, bool listen, int backlog = 16, int type = SOCK_STREAM,
                 int port = 0) {
    const bool v6 = std::string_view(address).find(':') != std::string_view::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
    if (port != 0) {
      // A fixed port may still have TIME_WAIT connections of an earlier test's server.
      const int one = 1;
      ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<uint16_t>(port));
      ::inet_pton(AF_INET6, address, &in6->sin6_addr);
      length = sizeof *in6;
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(static_cast<uint16_t>(port));
      ::inet_pton(AF_INET, address, &in->sin_addr);
      length = sizeof *in;
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length), 0) << address;
    if (listen) {
      EXPECT_EQ(::listen(fd_, backlog), 0);
    }
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length), 0);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
  ~LoopbackSocket() { ::close(fd_); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A 127.0.0.1 port with nothing on it: bound once by the kernel's choice, then released.
inline int ReleasedLoopbackPort(int type = SOCK_STREAM) {
  LoopbackSocket socket("127.0.0.1", /*listen=*/false, /*backlog=*/0, type);
  return socket.port();
}

}  // namespace flightcheck::testing
