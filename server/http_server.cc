#include "server/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string_view>

#include <fmt/format.h>

#include "server/elastic_thread_pool.h"

namespace flightcheck::server {
namespace {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

void AddressOf(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// A connection as cpp-httplib's request parser reads it: buffered, with timeouts. Bytes are read
// into the buffer by FillHead (which judges the head) and handed to the parser from there, so the
// parser never reads a head the guard has not seen.
class GuardedStream : public httplib::Stream {
 public:
  GuardedStream(int fd, int read_timeout_seconds)
      : fd_(fd), read_timeout_ms_(read_timeout_seconds * 1000) {}

  // Reads until the buffered bytes hold a whole head or break a limit. kIncomplete means the
  // client closed or went quiet (first byte within first_byte_ms, the rest within the read
  // timeout): the connection just ends.
  // The wait is cut into slices so that a stopping server (stopping() true) does not wait out
  // an idle keep-alive connection.
  HeadVerdict FillHead(const HeadLimits& limits, int first_byte_ms,
                       const std::function<bool()>& stopping) {
    int wait_ms = buffer_.size() > begin_ ? read_timeout_ms_ : first_byte_ms;
    for (;;) {
      const HeadVerdict verdict =
          CheckRequestHead(std::string_view(buffer_).substr(begin_), limits);
      if (verdict != HeadVerdict::kIncomplete) return verdict;
      bool readable = false;
      for (int waited = 0; waited < wait_ms && !readable; waited += kSliceMs) {
        if (stopping()) return HeadVerdict::kIncomplete;
        readable = WaitReadable(std::min(kSliceMs, wait_ms - waited));
      }
      if (!readable || Receive() <= 0) return HeadVerdict::kIncomplete;
      wait_ms = read_timeout_ms_;
    }
  }

  bool is_readable() const override { return begin_ < buffer_.size() || WaitReadable(0); }
  bool is_writable() const override {
    pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
    return ::poll(&p, 1, read_timeout_ms_) == 1 && (p.revents & POLLOUT) != 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ >= buffer_.size()) {
      buffer_.clear();
      begin_ = 0;
      if (!WaitReadable(read_timeout_ms_)) return -1;
      const ssize_t n = Receive();
      if (n <= 0) return n;
    }
    const size_t n = std::min(size, buffer_.size() - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t written = 0;
    while (written < size) {
      if (!is_writable()) return -1;
      const ssize_t n = ::send(fd_, ptr + written, size - written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return -1;
      }
      written += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(written);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      AddressOf(address, ip, port);
    }
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      AddressOf(address, ip, port);
    }
  }
  socket_t socket() const override { return fd_; }

  // Gives a bodiless request the "Content-Length: 0" HTTP/1.1 implies (MissingContentLengthAt).
  void AddEmptyContentLength() {
    if (const std::optional<size_t> at =
            MissingContentLengthAt(std::string_view(buffer_).substr(begin_))) {
      buffer_.insert(begin_ + *at, "Content-Length: 0\r\n");
    }
  }

  // After a refusal: stops sending and reads (and drops) what the client is still sending, for a
  // moment, so that closing does not reset the connection before the client read the answer.
  // Bounded: 500 ms and 4 MiB, whatever the client declared.
  void Drain() {
    ::shutdown(fd_, SHUT_WR);
    buffer_.clear();
    begin_ = 0;
    char chunk[16384];
    size_t drained = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (drained < (4u << 20) && std::chrono::steady_clock::now() < until && WaitReadable(50)) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
  }

  // Drops what was consumed, so the buffer holds only the next request's bytes.
  void Compact() {
    buffer_.erase(0, begin_);
    begin_ = 0;
  }

 private:
  bool WaitReadable(int timeout_ms) const {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    int rc;
    do {
      rc = ::poll(&p, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc == 1;
  }

  ssize_t Receive() {
    char chunk[4096];
    ssize_t n;
    do {
      n = ::recv(fd_, chunk, sizeof chunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
    return n;
  }

  static constexpr int kSliceMs = 100;

  int fd_;
  int read_timeout_ms_;
  std::string buffer_;
  size_t begin_ = 0;
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(const HttpServerOptions& options) : options_(options) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    GuardedStream stream(sock, options_.read_timeout_seconds);
    bool ok = true;
    for (int served = 0; served < options_.keep_alive_requests && is_running(); ++served) {
      stream.Compact();
      const HeadVerdict verdict = stream.FillHead(
          options_.limits,
          served == 0 ? options_.read_timeout_seconds * 1000 : options_.keep_alive_seconds * 1000,
          [this] { return !is_running(); });
      if (verdict == HeadVerdict::kIncomplete) break;
      if (const int status = StatusForVerdict(verdict); status != 0) {
        Refuse(stream, status);
        break;
      }
      stream.AddEmptyContentLength();
      bool connection_closed = false;
      const bool last = served + 1 == options_.keep_alive_requests;
      ok = process_request(stream, last, connection_closed, nullptr);
      if (!ok || connection_closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  static void Refuse(GuardedStream& stream, int status) {
    const std::string body = fmt::format("{} {}\n", status, ReasonPhrase(status));
    const std::string response = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: "
        "{}\r\nConnection: close\r\n\r\n{}",
        status, ReasonPhrase(status), body.size(), body);
    stream.write(response.data(), response.size());
    stream.Drain();
  }

  HttpServerOptions options_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options) {
  std::unique_ptr<httplib::Server> server;
  if (options.tls_certificate.empty() != options.tls_key.empty()) {
    return Status::InvalidArgument(
        "--tls-cert and --tls-key go together: give both (PEM files) or neither");
  }
  if (!options.tls_certificate.empty()) {
    for (const std::string& file : {options.tls_certificate, options.tls_key}) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(file, ec)) {
        return Status::InvalidArgument(fmt::format("'{}' is not a readable file", file));
      }
    }
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_certificate.c_str(),
                                                    options.tls_key.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument(
          fmt::format("cannot load the TLS certificate '{}' and key '{}' (PEM, matching pair)",
                      options.tls_certificate, options.tls_key));
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<GuardedServer>(options);
  }
  const size_t threads = static_cast<size_t>(std::max(1, options.threads));
  server->new_task_queue = [threads] { return new ElasticThreadPool(threads); };
  server->set_read_timeout(options.read_timeout_seconds, 0);
  server->set_write_timeout(options.read_timeout_seconds, 0);
  server->set_keep_alive_timeout(options.keep_alive_seconds);
  server->set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_requests));
  server->set_payload_max_length(options.limits.body_bytes);
  server->set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second daemon (or
  // another program of the same user) binds the same port and silently shares its traffic.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(server), options));
}

HttpServer::HttpServer(std::unique_ptr<httplib::Server> server, HttpServerOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ > 0) return Status::Ok();
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
    return Status::Ok();
  }
  const int error = errno;
  return Status::Unavailable(fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port,
                                         error != 0 ? std::strerror(error) : "bind failed"));
}

void HttpServer::Serve() {
  if (port_ > 0) server_->listen_after_bind();
}

void HttpServer::Stop() { server_->stop(); }

}  // namespace flightcheck::server
