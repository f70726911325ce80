// HttpGet: one HTTP GET with a deadline, over TCP or a unix socket (libcurl underneath).
//
// Shared by the probes that talk HTTP: `http` (any URL) and `docker` (the Engine API on its unix
// socket). Each call owns its own curl handle, so calls may run concurrently from any thread;
// libcurl's global initialisation happens once, on first use.
//
// Errors:
//  - Unavailable: connection refused, no socket file, host not resolvable, TLS failure, any other
//    transfer failure (the message carries curl's text).
//  - Timeout: the deadline passed before the answer was complete.
//  - Unavailable "stopped": the deadline's stop was requested (seen within about a second, even
//    while the other end sends nothing).
//  - PermissionDenied: the unix socket exists but this process may not connect to it.
//  - InvalidArgument: a malformed URL or a scheme other than http/https.
// Any HTTP status is a successful result: a 500 is an answer, judging it is the caller's job.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "checks/deadline.h"
#include "checks/status.h"

namespace flightcheck {

struct HttpOptions {
  // When set, connect to this unix socket instead of the URL's host (the URL still names the
  // path: "http://localhost/v1.41/info").
  std::string unix_socket;
  // Body bytes kept; a longer body ends the transfer early and sets HttpResponse::truncated.
  size_t max_body = 1 << 20;
  bool verify_tls = true;
  std::vector<std::string> headers;  // "Name: value"
};

struct HttpResponse {
  long status = 0;           // HTTP status code
  std::string body;          // at most HttpOptions::max_body bytes
  std::string content_type;  // Content-Type header, "" when absent
  double seconds = 0;        // from the start of the call to the end of the transfer
  bool truncated = false;    // the body was longer than max_body
};

Result<HttpResponse> HttpGet(const std::string& url, Deadline deadline,
                             const HttpOptions& options = {});

}  // namespace flightcheck
