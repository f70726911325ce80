// HttpResponder: a tiny HTTP/1.x server for tests, on 127.0.0.1:<ephemeral port> or on a unix
// socket, answering each request with what a handler returns (or never answering, to test
// timeouts). One connection at a time, "Connection: close". Header-only so that any test binary
// can use it without a build-list entry.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace flightcheck::testing {

class HttpResponder {
 public:
  struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    bool hang = false;  // read the request, then answer nothing until the client gives up
  };
  static Reply Answer(int status, std::string body, std::string content_type = "application/json") {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    reply.content_type = std::move(content_type);
    return reply;
  }
  static Reply Hang() {
    Reply reply;
    reply.hang = true;
    return reply;
  }
  // Called with the request target ("/version") on the responder's thread.
  using Handler = std::function<Reply(const std::string& target)>;

  HttpResponder() = default;
  ~HttpResponder() { Stop(); }
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;

  // Listens on 127.0.0.1 with a port chosen by the kernel; false on failure.
  bool ListenTcp() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      return false;
    }
    port_ = ntohs(addr.sin_port);
    return true;
  }

  // Listens on a unix socket at path (removed again by Stop); false on failure.
  bool ListenUnix(const std::string& path) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listen_fd_ < 0 || path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      return false;
    }
    unix_path_ = path;
    return true;
  }

  // Serves requests on a background thread until Stop().
  void Start(Handler handler) {
    handler_ = std::move(handler);
    thread_ = std::thread([this] { Serve(); });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
    unix_path_.clear();
  }

  int port() const { return port_; }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }
  int requests() const { return requests_; }

 private:
  // Waits for fd to become readable; false when stopping.
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void Serve() {
    while (WaitReadable(listen_fd_)) {
      const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      Answer(conn);
      ::close(conn);
    }
  }

  void Answer(int conn) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      if (!WaitReadable(conn)) return;
      const ssize_t n = ::read(conn, buffer, sizeof buffer);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
    ++requests_;
    const size_t start = request.find(' ') + 1;
    const std::string target = request.substr(start, request.find(' ', start) - start);
    const Reply reply = handler_(target);
    if (reply.hang) {
      while (WaitReadable(conn)) {
        if (::read(conn, buffer, sizeof buffer) <= 0) return;  // the client gave up
      }
      return;
    }
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Status\r\n";
    if (!reply.content_type.empty()) response += "Content-Type: " + reply.content_type + "\r\n";
    response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    response += "Connection: close\r\n\r\n" + reply.body;
    size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = ::send(conn, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::string unix_path_;
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
};

// Leaves a unix socket file at path that nobody listens on, like a daemon that died without
// cleaning up: connecting to it is refused. False on failure.
inline bool MakeStaleUnixSocket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return bound;
}

}  // namespace flightcheck::testing
