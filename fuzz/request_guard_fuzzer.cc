// The HTTP request-head guard (server/request_guard.h) on arbitrary bytes: it must never crash,
// never read past its input, and agree with itself (a verdict that refuses has a status; a head
// it accepts with a bodiless non-GET method gets an insertion point inside the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/request_guard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const flightcheck::server::HeadLimits limits{
      .request_line_bytes = 256, .head_bytes = 1024, .body_bytes = 4096};
  const flightcheck::server::HeadVerdict verdict =
      flightcheck::server::CheckRequestHead(input, limits);
  const int status = flightcheck::server::StatusForVerdict(verdict);
  const bool refuses = verdict != flightcheck::server::HeadVerdict::kAcceptable &&
                       verdict != flightcheck::server::HeadVerdict::kIncomplete;
  if (refuses != (status != 0)) std::abort();
  if (verdict == flightcheck::server::HeadVerdict::kAcceptable) {
    if (const auto at = flightcheck::server::MissingContentLengthAt(input); at && *at > size) {
      std::abort();
    }
  }
  return 0;
}
