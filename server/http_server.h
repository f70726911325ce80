// The daemon's HTTP server: cpp-httplib's routing and responses, behind a connection loop of ours
// that refuses an oversized request line (414), head (431) or declared body (413) before reading
// past the limit, so a hostile client costs at most HeadLimits of memory per connection.
//
// Plain HTTP goes through that loop. With a certificate and key the server is cpp-httplib's
// SSLServer (OpenSSL), whose own limits apply instead (a too-long header line is a 400 there).
//
// Ownership and threads: Listen binds and returns; Serve blocks on the accept loop until Stop()
// (from any thread, e.g. a signal watcher). Requests run on a pool of `threads` workers; handlers
// must be thread-safe. The routes are registered on routes() before Serve.
#pragma once

#include <memory>
#include <string>

#include <httplib.h>

#include "checks/status.h"
#include "server/request_guard.h"

namespace flightcheck::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 1050;              // 0: any free port (see HttpServer::port)
  std::string tls_certificate;  // PEM files; both or neither
  std::string tls_key;
  HeadLimits limits;
  int threads = 64;  // at most this many connections served at once (keep-alive holds one);
                     // threads start as connections need them (ElasticThreadPool)
  int read_timeout_seconds = 5;  // a client that stops sending mid-request is dropped
  int keep_alive_seconds = 5;
  int keep_alive_requests = 100;
};

class HttpServer {
 public:
  // Fails with InvalidArgument when only one of the TLS files is given or they do not load.
  static Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options);
  ~HttpServer();

  httplib::Server& routes() { return *server_; }

  // Binds host:port. Unavailable("cannot listen on 127.0.0.1:1050: Address already in use").
  Status Listen();
  // The bound port (after Listen), e.g. when options.port was 0.
  int port() const { return port_; }
  // Accepts until Stop(); returns at once when Listen did not succeed.
  void Serve();
  void Stop();

 private:
  explicit HttpServer(std::unique_ptr<httplib::Server> server, HttpServerOptions options);

  std::unique_ptr<httplib::Server> server_;
  HttpServerOptions options_;
  int port_ = 0;
};

}  // namespace flightcheck::server
