// The request-head check that runs before cpp-httplib reads a request: limits on the request line,
// the head (request line and headers) and the declared body, answered with the status a client
// can act on (414, 431, 413) instead of a generic 400, and before anything is buffered past them.
//
// It looks only at bytes already received (peeked, not consumed), so a request within the limits
// is read by cpp-httplib exactly as sent.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace flightcheck::server {

struct HeadLimits {
  size_t request_line_bytes = 8 << 10;  // "GET /path?query HTTP/1.1", without the line end
  size_t head_bytes = 16 << 10;         // request line, headers and the blank line
  size_t body_bytes = 64 << 10;         // Content-Length; the only POST takes a short JSON list
};

enum class HeadVerdict {
  kIncomplete,    // no blank line yet and within the limits: wait for more bytes
  kAcceptable,    // a complete head within every limit
  kUriTooLong,    // 414: the request line is longer than request_line_bytes
  kHeadTooLarge,  // 431: the head is longer than head_bytes
  kBodyTooLarge,  // 413: Content-Length above body_bytes
  kBadRequest,    // 400: NUL in the head, a Content-Length that is not a number, or repeated
                  // with different values, or Transfer-Encoding (no handler takes a stream)
};

// The verdict on the first bytes of a request. `received` is everything read so far on the
// connection for this request (it may hold more than the head).
HeadVerdict CheckRequestHead(std::string_view received, const HeadLimits& limits);

// For a complete, acceptable head of a request with a method that may carry a body (anything but
// GET and HEAD) and no Content-Length: the offset of the blank line that ends the head, where
// "Content-Length: 0\r\n" belongs. HTTP/1.1 says such a request has no body; cpp-httplib would
// wait for one until the connection closes. nullopt when nothing is to be inserted.
std::optional<size_t> MissingContentLengthAt(std::string_view received);

// The HTTP status for a verdict that refuses the request (414, 431, 413, 400); 0 otherwise.
int StatusForVerdict(HeadVerdict verdict);

}  // namespace flightcheck::server
