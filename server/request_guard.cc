#include "server/request_guard.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace flightcheck::server {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Lines end in "\n" with an optional "\r" before it, as cpp-httplib reads them.
HeadVerdict CheckHeaders(std::string_view head, const HeadLimits& limits) {
  std::optional<unsigned long long> length;
  size_t start = head.find('\n') + 1;  // after the request line
  while (start < head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(start, end - start);
    start = end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the blank line, or cpp-httplib's to judge
    const std::string_view name = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoringCase(name, "Transfer-Encoding")) return HeadVerdict::kBadRequest;
    if (!EqualsIgnoringCase(name, "Content-Length")) continue;
    unsigned long long parsed = 0;
    const auto [end_of_number, error] =
        std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || error == std::errc::invalid_argument ||
        end_of_number != value.data() + value.size()) {
      return HeadVerdict::kBadRequest;
    }
    if (error == std::errc::result_out_of_range) return HeadVerdict::kBodyTooLarge;
    if (length && *length != parsed) return HeadVerdict::kBadRequest;
    length = parsed;
  }
  if (length && *length > limits.body_bytes) return HeadVerdict::kBodyTooLarge;
  return HeadVerdict::kAcceptable;
}

}  // namespace

HeadVerdict CheckRequestHead(std::string_view received, const HeadLimits& limits) {
  const size_t line_end = received.find('\n');
  const size_t line_length = line_end == std::string_view::npos ? received.size() : line_end;
  // A "\r" before the "\n" is not part of the line.
  const bool has_cr =
      line_end != std::string_view::npos && line_end > 0 && received[line_end - 1] == '\r';
  if (line_length - (has_cr ? 1 : 0) > limits.request_line_bytes) return HeadVerdict::kUriTooLong;
  if (line_end == std::string_view::npos) {
    return received.size() > limits.head_bytes ? HeadVerdict::kHeadTooLarge
                                               : HeadVerdict::kIncomplete;
  }
  // The head ends at the first empty line: "\n\n" or "\n\r\n".
  size_t head_end = std::string_view::npos;
  for (size_t at = line_end; at < received.size(); at = received.find('\n', at + 1)) {
    if (at == std::string_view::npos) break;
    if (at + 1 < received.size() && received[at + 1] == '\n') {
      head_end = at + 2;
      break;
    }
    if (at + 2 < received.size() && received[at + 1] == '\r' && received[at + 2] == '\n') {
      head_end = at + 3;
      break;
    }
  }
  if (head_end == std::string_view::npos) {
    return received.size() > limits.head_bytes ? HeadVerdict::kHeadTooLarge
                                               : HeadVerdict::kIncomplete;
  }
  if (head_end > limits.head_bytes) return HeadVerdict::kHeadTooLarge;
  const std::string_view head = received.substr(0, head_end);
  if (head.find('\0') != std::string_view::npos) return HeadVerdict::kBadRequest;
  return CheckHeaders(head, limits);
}

std::optional<size_t> MissingContentLengthAt(std::string_view received) {
  const size_t space = received.find(' ');
  const std::string_view method = received.substr(0, space);
  if (space == std::string_view::npos || method == "GET" || method == "HEAD") return std::nullopt;
  size_t at = received.find('\n');
  while (at != std::string_view::npos) {
    const size_t next = at + 1;
    if (next < received.size() && received[next] == '\n') return next;
    if (next + 1 < received.size() && received[next] == '\r' && received[next + 1] == '\n') {
      return next;
    }
    const size_t end = received.find('\n', next);
    const std::string_view line =
        received.substr(next, end == std::string_view::npos ? std::string_view::npos : end - next);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        (EqualsIgnoringCase(Trim(line.substr(0, colon)), "Content-Length") ||
         EqualsIgnoringCase(Trim(line.substr(0, colon)), "Transfer-Encoding"))) {
      return std::nullopt;
    }
    at = end;
  }
  return std::nullopt;
}

int StatusForVerdict(HeadVerdict verdict) {
  switch (verdict) {
    case HeadVerdict::kUriTooLong:
      return 414;
    case HeadVerdict::kHeadTooLarge:
      return 431;
    case HeadVerdict::kBodyTooLarge:
      return 413;
    case HeadVerdict::kBadRequest:
      return 400;
    case HeadVerdict::kIncomplete:
    case HeadVerdict::kAcceptable:
      return 0;
  }
  return 0;
}

}  // namespace flightcheck::server
